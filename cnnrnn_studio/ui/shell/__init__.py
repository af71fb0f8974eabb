"""The application around the editor: start-up (app), the main window and its menus, files
(documents, autosave, model import/export), preferences, help, about, crash handling, themes,
modal dialogs and background tasks."""
