/**
 * ldapjs (its callback client), unmodified: a wrong password, then a simple bind as the
 * root DN, ADD of two entries, SEARCH with a filter (entries as events), MODIFY (replace
 * and add), a search that finds the change, DELETE, and UNBIND, against the test's slapd.
 * One entry is left for the test to read from Node.
 */
import ldap from 'ldapjs';
import type { LdapjsClient } from 'ldapjs';
import { errorData, exposeCorpus } from './corpus-page.ts';
import type { LdapTarget } from './ldap-target.ts';

/** Calls a callback-last ldapjs method as a promise. */
function call<T = void>(start: (callback: (error: Error | null, result: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => start((error, result) => (error === null ? resolve(result) : reject(error))));
}

/** SEARCH: the entries' DN and requested attributes, in the order the server sent them. */
function search(client: LdapjsClient, base: string, filter: string, attributes: string[]) {
  return new Promise<{ dn: string; attributes: Record<string, string[]> }[]>((resolve, reject) => {
    client.search(base, { scope: 'one', filter, attributes }, (error, response) => {
      if (error !== null) return reject(error);
      const entries: { dn: string; attributes: Record<string, string[]> }[] = [];
      response.on('searchEntry', (entry) => {
        const { objectName, attributes: found } = entry.pojo;
        entries.push({ dn: objectName, attributes: Object.fromEntries(found.map((attribute) => [attribute.type, attribute.values])) });
      });
      response.on('error', reject);
      response.on('end', (result) => (result?.status === 0 ? resolve(entries) : reject(new Error(`search ended with status ${String(result?.status)}`))));
    });
  });
}

async function run(target: LdapTarget) {
  const errors: string[] = [];
  const connect = () => {
    const client = ldap.createClient({ url: [target.url], timeout: 5_000, connectTimeout: 5_000, reconnect: false });
    client.on('error', (error: Error) => errors.push(error.message));
    return client;
  };
  const wrong = connect();
  const wrongPassword = await call((done) => wrong.bind(target.rootDn, 'not the password', done)).then(
    () => ({ name: 'bound', code: 0 }),
    (error: unknown) => ({ name: errorData(error).name, code: (error as { code?: number }).code }),
  );
  await call((done) => wrong.unbind(done));

  const client = connect();
  await call((done) => client.bind(target.rootDn, target.rootPassword, done));
  const person = (cn: string) => ({ objectClass: ['inetOrgPerson'], cn, sn: 'Corpus', mail: `${cn}@sockway.test`, description: 'added by ldapjs ✓' });
  const keptDn = `cn=${target.kept},${target.base}`;
  const deletedDn = `cn=${target.deleted},${target.base}`;
  await call((done) => client.add(keptDn, person(target.kept), done));
  await call((done) => client.add(deletedDn, person(target.deleted), done));
  const found = await search(client, target.base, `(&(objectClass=inetOrgPerson)(sn=Corpus)(cn=${target.prefix}*))`, ['cn', 'mail', 'description']);
  await call((done) =>
    client.modify(
      keptDn,
      [
        new ldap.Change({ operation: 'replace', modification: new ldap.Attribute({ type: 'mail', values: [`changed.${target.kept}@sockway.test`] }) }),
        new ldap.Change({ operation: 'add', modification: new ldap.Attribute({ type: 'telephoneNumber', values: ['+1 555 0100'] }) }),
      ],
      done,
    ),
  );
  const changed = await search(client, target.base, `(mail=changed.${target.kept}@sockway.test)`, ['cn', 'telephoneNumber']);
  await call((done) => client.del(deletedDn, done));
  const afterDelete = await search(client, target.base, `(cn=${target.deleted})`, ['cn']);
  const noSuchObject = await call((done) => client.del(deletedDn, done)).then(
    () => 'deleted twice',
    (error: unknown) => errorData(error).name,
  );
  await call((done) => client.unbind(done));
  return {
    wrongPassword,
    found: found.map((entry) => ({ dn: entry.dn, mail: entry.attributes['mail'], description: entry.attributes['description'] })).sort((a, b) => a.dn.localeCompare(b.dn)),
    changed: changed.map((entry) => ({ dn: entry.dn, telephoneNumber: entry.attributes['telephoneNumber'] })),
    afterDelete: afterDelete.length,
    noSuchObject,
    connected: client.connected,
    errors,
  };
}

/** The scenario's result, for the test. */
export type LdapjsResult = Awaited<ReturnType<typeof run>>;
exposeCorpus(run);
