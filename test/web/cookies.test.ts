import { expect } from 'chai';
import { CookieJar, describeCookieAttributes, parseSetCookie } from '../../adapters/http/cookies.js';

describe('HTTP adapter: cookie jar', function () {
  const https = new URL('https://127.3.4.5:8443/login');
  const http = new URL('http://127.3.4.5:8080/login');

  it('keeps every attribute as the device sent it', function () {
    const cookie = parseSetCookie('SID=abc123; Path=/; HttpOnly; Secure; SameSite=strict; Max-Age=600', https, 1_000)!;
    expect(cookie).to.include({ name: 'SID', value: 'abc123', path: '/', pathAttribute: '/', httpOnly: true, secure: true, sameSite: 'Strict', maxAgeS: 600, expiresAt: 601_000, setOverHttps: true });
    expect(describeCookieAttributes(cookie)).to.equal('HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=600');
    const bare = parseSetCookie('sessionid=42', http)!;
    expect(bare).to.include({ httpOnly: false, secure: false, path: '/', setOverHttps: false });
    expect(bare.sameSite).to.equal(undefined);
    expect(bare.pathAttribute).to.equal(undefined);
    expect(describeCookieAttributes(bare)).to.equal('(no attributes)');
    expect(parseSetCookie('x=1; SameSite=Sloppy', http)!.sameSiteRaw).to.equal('Sloppy');
    expect(parseSetCookie('=nameless', http)).to.equal(undefined);
  });

  it('sends cookies by host, path and expiry, and Secure ones over http only when asked', function () {
    const jar = new CookieJar();
    jar.store(https, ['SID=one; Path=/; Secure; HttpOnly', 'pref=dark; Path=/settings', 'old=1; Max-Age=1'], 0);
    expect(jar.header(new URL('https://127.3.4.5:8443/settings/network'))).to.equal('pref=dark; SID=one');
    expect(jar.header(new URL('https://127.3.4.5:8443/settingsx'))).to.equal('SID=one');
    expect(jar.header(new URL('http://127.3.4.5:80/status'))).to.equal(undefined);
    expect(jar.header(new URL('http://127.3.4.5:80/status'), { includeSecureOverHttp: true })).to.equal('SID=one');
    expect(jar.header(new URL('https://127.9.9.9/status'))).to.equal(undefined);
    expect(jar.list().map((cookie) => cookie.name)).to.not.include('old');
  });

  it('replaces a cookie of the same name and path, and Max-Age=0 removes it', function () {
    const jar = new CookieJar();
    jar.store(https, ['SID=before; Path=/']);
    jar.store(https, ['SID=after; Path=/; HttpOnly']);
    expect(jar.get('SID')?.value).to.equal('after');
    expect(jar.list()).to.have.length(1);
    const copy = jar.clone();
    jar.store(https, ['SID=; Path=/; Max-Age=0']);
    expect(jar.get('SID')).to.equal(undefined);
    expect(copy.get('SID')?.value, 'a clone keeps the old session').to.equal('after');
    jar.set(https, 'SID', 'planted');
    expect(jar.header(https)).to.equal('SID=planted');
  });
});
