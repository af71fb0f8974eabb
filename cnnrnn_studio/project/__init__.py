"""The project file: load, save (atomic), versions and migrations; templates."""

from .file import FORMAT, VERSION, Project, atomic_write_text, load_project, migrate
from .templates import list_templates, load_project_or_template, load_template, template_path

__all__ = ["FORMAT", "VERSION", "Project", "load_project", "load_project_or_template", "migrate", "atomic_write_text",
           "list_templates", "load_template", "template_path"]
