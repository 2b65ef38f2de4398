-- insert_plan: a plan shape's compressed plan, unless the store holds that fingerprint already.
INSERT INTO pgdiag.plans (fingerprint, plan) VALUES (%(fingerprint)s, %(plan)s) ON CONFLICT (fingerprint) DO NOTHING
