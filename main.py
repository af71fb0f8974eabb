"""CNN-RNN Studio entry point: the GUI with no arguments, the command line with a subcommand."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # first: frozen apps re-enter here in child processes
    from cnnrnn_studio.cli import main

    sys.exit(main())
