"""The start page: the template gallery and the "start with my own data" wizard."""
