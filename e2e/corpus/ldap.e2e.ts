/**
 * The LDAP libraries of the corpus (ldapjs, ldapts), unmodified in Chromium, against one
 * slapd (root DN and password) the test starts. Each page leaves an entry it modified;
 * Node reads it from the server.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client } from 'ldapts';
import { startSlapd } from '../fixtures/servers/slapd.ts';
import type { LdapTarget } from './app/ldap-target.ts';
import type { LdapjsResult } from './app/ldapjs.ts';
import type { LdaptsResult } from './app/ldapts.ts';
import { oneServer, useCorpus } from './corpus-app.ts';

const suite = useCorpus(async () => oneServer('slapd', await startSlapd()));

const target = (library: string): LdapTarget => {
  const { slapd } = suite.servers;
  return { url: `ldap://127.0.0.1:${String(slapd.port)}`, rootDn: slapd.rootDn, rootPassword: slapd.rootPassword, base: `ou=people,${slapd.suffix}`, prefix: `${library}-`, kept: `${library}-kept`, deleted: `${library}-deleted` };
};

/** The entries under `base` whose cn starts with `prefix`, read from Node (ldapts in Node). */
async function readFromNode(t: LdapTarget, prefix: string): Promise<{ dn: string; mail: unknown; telephoneNumber: unknown }[]> {
  const client = new Client({ url: t.url });
  try {
    await client.bind(t.rootDn, t.rootPassword);
    const { searchEntries } = await client.search(t.base, { scope: 'one', filter: `(cn=${prefix}*)`, attributes: ['mail', 'telephoneNumber'] });
    return searchEntries.map((entry) => ({ dn: entry.dn, mail: entry['mail'], telephoneNumber: entry['telephoneNumber'] }));
  } finally {
    await client.unbind();
  }
}

/** What both pages return, but for the library's name in the entries and its shape of attribute values. */
function expected(library: 'ldapjs' | 'ldapts', t: LdapTarget) {
  // ldapjs gives every attribute as an array; ldapts a single value as a string.
  const value = (text: string): string | string[] => (library === 'ldapjs' ? [text] : text);
  return {
    wrongPassword: { name: 'InvalidCredentialsError', code: 49 },
    found: [
      { dn: `cn=${t.deleted},${t.base}`, mail: value(`${t.deleted}@sockway.test`), description: value(`added by ${library} ✓`) },
      { dn: `cn=${t.kept},${t.base}`, mail: value(`${t.kept}@sockway.test`), description: value(`added by ${library} ✓`) },
    ],
    changed: [{ dn: `cn=${t.kept},${t.base}`, telephoneNumber: value('+1 555 0100') }],
    afterDelete: 0,
    noSuchObject: 'NoSuchObjectError',
    connected: false,
  };
}

test('ldapjs: a wrong password, bind, add, search, modify, delete, unbind; the entry is in slapd', async () => {
  assert.equal(suite.library('ldapjs').status, 'works');
  const page = await suite.page('ldapjs');
  const t = target('ldapjs');
  assert.deepEqual(await page.run<LdapjsResult>(t), { ...expected('ldapjs', t), errors: [] });
  assert.deepEqual(await readFromNode(t, 'ldapjs-'), [{ dn: `cn=${t.kept},${t.base}`, mail: `changed.${t.kept}@sockway.test`, telephoneNumber: '+1 555 0100' }]);
  assert.deepEqual(await page.problems(), []);
});

test('ldapts: a wrong password, bind, add, search, modify, delete, unbind; the entry is in slapd', async () => {
  assert.equal(suite.library('ldapts').status, 'works');
  const page = await suite.page('ldapts');
  const t = target('ldapts');
  assert.deepEqual(await page.run<LdaptsResult>(t), expected('ldapts', t));
  assert.deepEqual(await readFromNode(t, 'ldapts-'), [{ dn: `cn=${t.kept},${t.base}`, mail: `changed.${t.kept}@sockway.test`, telephoneNumber: '+1 555 0100' }]);
  assert.deepEqual(await page.problems(), []);
});
