-- select_format: the store's format marker ('pgdiag-store').
SELECT value FROM store_meta WHERE key = 'format'
