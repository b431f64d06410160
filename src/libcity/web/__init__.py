"""Server-rendered pages: the public pages (opac/) and the staff pages (staff/)."""
