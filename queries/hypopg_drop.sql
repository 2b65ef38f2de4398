-- hypopg_drop: remove one hypothetical index. Placeholders: {hypopg_schema}, {indexrelid}.
SELECT {hypopg_schema}.hypopg_drop_index({indexrelid})
