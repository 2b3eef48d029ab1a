"""Encrypt the complainants' names, e-mail addresses and addresses written in clear before 0022,
and fill the keyed indexes of e-mail, ID number and name.

In batches of 2,000 rows, each in its own transaction (the migration is not atomic): a run that is
stopped resumes where it stopped, as a value already encrypted (``v1:``) is left as it is. Reads
the columns with SQL, not through the model (whose fields would try to decrypt clear text). Uses
core.crypto rather than a frozen copy: the keys and the ciphertext are those the installation
runs with (TOUSU_PII_KEYS), and every later format still reads ``v1``. The reverse writes the
values back in clear (for a downgrade only).
"""

from django.db import connections, migrations, transaction

from tousu.core import crypto

BATCH = 2000
COLUMNS = ("name", "email", "address")


def _batches(connection, table: str):  # noqa: ANN001, ANN202
    last = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, name, email, address, id_number FROM {table} WHERE id > %s ORDER BY id LIMIT {BATCH}",
                [last],
            )
            rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def encrypt_identity(apps, schema_editor):  # noqa: ANN001, ANN201
    connection = schema_editor.connection if schema_editor is not None else connections["default"]
    table = connection.ops.quote_name(apps.get_model("complaints", "Complainant")._meta.db_table)
    update = (
        f"UPDATE {table} SET name = %s, email = %s, address = %s, "
        "email_index = %s, id_index = %s, name_index = %s WHERE id = %s"
    )
    for rows in _batches(connection, table):
        values = []
        for pk, name, email, address, id_number in rows:
            if any((v or "").startswith(crypto.PREFIX) for v in (name, email, address)):
                continue  # done by an earlier run
            plain = {"name": name or "", "email": email or "", "id_number": crypto.decrypt(id_number or "")}
            indexes = crypto.person_indexes(plain)
            values.append(
                (
                    crypto.encrypt(name or ""),
                    crypto.encrypt(email or ""),
                    crypto.encrypt(address or ""),
                    indexes["email_index"],
                    indexes["id_index"],
                    indexes["name_index"],
                    pk,
                )
            )
        if values:
            with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
                cursor.executemany(update, values)


def decrypt_identity(apps, schema_editor):  # noqa: ANN001, ANN201
    connection = schema_editor.connection if schema_editor is not None else connections["default"]
    table = connection.ops.quote_name(apps.get_model("complaints", "Complainant")._meta.db_table)
    update = (
        f"UPDATE {table} SET name = %s, email = %s, address = %s, "
        "email_index = NULL, id_index = NULL, name_index = NULL WHERE id = %s"
    )
    for rows in _batches(connection, table):
        values = [
            (*(crypto.decrypt(v) if (v or "").startswith(crypto.PREFIX) else (v or "") for v in row[1:4]), row[0])
            for row in rows
        ]
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.executemany(update, values)


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("complaints", "0022_complainant_encrypted_identity")]

    operations = [migrations.RunPython(encrypt_identity, decrypt_identity, elidable=False)]
