"""PostgreSQL enforces the ledger's invariants itself (apps/dues/ledger_models.py):

- at COMMIT, every transaction that received legs has legs summing to zero (a deferred constraint trigger, so the legs
  of one transaction may be inserted one by one);
- legs and transactions are never updated or deleted.

SQLite has no deferred triggers: there the service (`ledger.post`) is the check, on both databases.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION dues_ledger_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE total numeric;
BEGIN
    SELECT COALESCE(SUM(amount), 0) INTO total FROM dues_ledgerleg WHERE transaction_id = NEW.transaction_id;
    IF total <> 0 THEN
        RAISE EXCEPTION 'ledger transaction % does not balance (sum %)', NEW.transaction_id, total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER dues_ledger_leg_balanced AFTER INSERT ON dues_ledgerleg
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION dues_ledger_balanced();

CREATE FUNCTION dues_ledger_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger rows are never changed or deleted (%)', TG_TABLE_NAME USING ERRCODE = 'check_violation';
END $$;
CREATE TRIGGER dues_ledger_leg_immutable BEFORE UPDATE OR DELETE ON dues_ledgerleg
    FOR EACH ROW EXECUTE FUNCTION dues_ledger_immutable();
CREATE TRIGGER dues_ledger_transaction_immutable BEFORE UPDATE OR DELETE ON dues_ledgertransaction
    FOR EACH ROW EXECUTE FUNCTION dues_ledger_immutable();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS dues_ledger_transaction_immutable ON dues_ledgertransaction;
DROP TRIGGER IF EXISTS dues_ledger_leg_immutable ON dues_ledgerleg;
DROP FUNCTION IF EXISTS dues_ledger_immutable();
DROP TRIGGER IF EXISTS dues_ledger_leg_balanced ON dues_ledgerleg;
DROP FUNCTION IF EXISTS dues_ledger_balanced();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("dues", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
