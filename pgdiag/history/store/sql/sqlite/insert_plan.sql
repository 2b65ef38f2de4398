-- insert_plan: a plan shape's compressed plan, unless the store holds that fingerprint already.
INSERT INTO plans (fingerprint, plan) VALUES (:fingerprint, :plan) ON CONFLICT (fingerprint) DO NOTHING
