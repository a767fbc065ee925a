/** What a directory login (LDAP: modules/ldap) tells the login flow. */
export type DirectoryLoginResult =
  | { status: 'bad-password' }
  /** Right password, but neither the account nor any of its groups is imported (memberships may have been dropped). */
  | { status: 'not-imported'; changedUserId: number | null }
  /** Right password, account disabled in the directory. */
  | { status: 'disabled' }
  | { status: 'ok'; user: { id: number; username: string; role: string }; disabled: boolean; changed: boolean };

/**
 * Logins of the form `user@DOMAIN` / `DOMAIN\user` for configured directory domains. The auth
 * module defines the contract; the LDAP module implements it (auth does not import it).
 */
export interface DirectoryLogin<T = unknown> {
  /** The directory a login name points into, or null for a local account. */
  match(loginName: string): Promise<T | null>;
  /** Checks the password with the directory (never stores it) and maps the account. */
  authenticate(target: T, password: string): Promise<DirectoryLoginResult>;
}
