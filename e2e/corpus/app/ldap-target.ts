/** What the LDAP pages (ldapjs, ldapts) get from their test: the slapd and the entries to make. */
export interface LdapTarget {
  readonly url: string;
  readonly rootDn: string;
  readonly rootPassword: string;
  /** Where the page adds its entries ('ou=people,dc=sockway,dc=test'). */
  readonly base: string;
  /** What the cn of every entry the page adds starts with (its searches see only those). */
  readonly prefix: string;
  /** The cn of the entry the page adds, modifies and leaves for the test to read. */
  readonly kept: string;
  /** The cn of the entry the page adds and deletes. */
  readonly deleted: string;
}
