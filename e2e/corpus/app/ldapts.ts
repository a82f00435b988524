/**
 * ldapts, unmodified: a wrong password, then a simple bind as the root DN, ADD of two
 * entries, SEARCH with a filter, MODIFY (replace and add), a search that finds the
 * change, DELETE, and UNBIND, against the test's slapd. One entry is left for the test
 * to read from Node.
 */
import { Attribute, Change, Client } from 'ldapts';
import { errorData, exposeCorpus } from './corpus-page.ts';
import type { LdapTarget } from './ldap-target.ts';

async function run(target: LdapTarget) {
  const wrong = new Client({ url: target.url, timeout: 5_000, connectTimeout: 5_000 });
  const wrongPassword = await wrong.bind(target.rootDn, 'not the password').then(
    () => ({ name: 'bound', message: '' }),
    (error: unknown) => ({ name: errorData(error).name, code: (error as { code?: number }).code }),
  );
  await wrong.unbind();

  const client = new Client({ url: target.url, timeout: 5_000, connectTimeout: 5_000 });
  await client.bind(target.rootDn, target.rootPassword);
  const person = (cn: string) => ({ objectClass: ['inetOrgPerson'], cn, sn: 'Corpus', mail: `${cn}@sockway.test`, description: 'added by ldapts ✓' });
  const keptDn = `cn=${target.kept},${target.base}`;
  const deletedDn = `cn=${target.deleted},${target.base}`;
  await client.add(keptDn, person(target.kept));
  await client.add(deletedDn, person(target.deleted));
  const found = await client.search(target.base, { scope: 'one', filter: `(&(objectClass=inetOrgPerson)(sn=Corpus)(cn=${target.prefix}*))`, attributes: ['cn', 'mail', 'description'] });
  await client.modify(keptDn, [
    new Change({ operation: 'replace', modification: new Attribute({ type: 'mail', values: [`changed.${target.kept}@sockway.test`] }) }),
    new Change({ operation: 'add', modification: new Attribute({ type: 'telephoneNumber', values: ['+1 555 0100'] }) }),
  ]);
  const changed = await client.search(target.base, { scope: 'one', filter: `(mail=changed.${target.kept}@sockway.test)`, attributes: ['cn', 'telephoneNumber'] });
  await client.del(deletedDn);
  const afterDelete = await client.search(target.base, { scope: 'one', filter: `(cn=${target.deleted})` });
  const noSuchObject = await client.del(deletedDn).then(
    () => 'deleted twice',
    (error: unknown) => errorData(error).name,
  );
  await client.unbind();
  return {
    wrongPassword,
    found: found.searchEntries.map((entry) => ({ dn: entry.dn, mail: entry['mail'], description: entry['description'] })).sort((a, b) => a.dn.localeCompare(b.dn)),
    changed: changed.searchEntries.map((entry) => ({ dn: entry.dn, telephoneNumber: entry['telephoneNumber'] })),
    afterDelete: afterDelete.searchEntries.length,
    noSuchObject,
    connected: client.isConnected,
  };
}

/** The scenario's result, for the test. */
export type LdaptsResult = Awaited<ReturnType<typeof run>>;
exposeCorpus(run);
