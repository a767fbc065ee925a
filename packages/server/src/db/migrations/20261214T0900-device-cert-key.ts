import type { Kysely } from 'kysely';

// Frozen in time: never edit after release; add a new migration instead.
// The SHA-256 of the public key (SubjectPublicKeyInfo) the device's current certificate was
// issued for. An enrollment whose answer was lost (a client timeout) is repeated with the same
// key pair; the CSR proves possession of that key, so the repeat is the same device and gets a
// certificate again instead of 409 DEVICE_ALREADY_ENROLLED. Null for certificates issued before.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('devices').addColumn('cert_key_sha256', 'varchar(64)').execute();
}
