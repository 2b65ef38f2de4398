-- set_application_id: mark the file as a pgdiag store ('pgdg'), so `file` and pgdiag can tell it apart.
PRAGMA application_id = 1885823079
