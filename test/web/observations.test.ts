import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import type { HttpResponse } from '../../adapters/http/client.js';
import { bodyShape, disclosures, distinctivePhrases, judgeServed, looksLikeDirectoryListing, visiblePhrases } from '../../adapters/http/content.js';
import { estimateEntropy } from '../../adapters/http/entropy.js';

const answer = (status: number, text: string, headers: Record<string, string> = {}): HttpResponse => ({
  method: 'GET',
  url: 'https://127.0.0.9/x',
  status,
  statusMessage: '',
  headers,
  rawHeaders: Object.entries(headers),
  setCookie: [],
  body: Buffer.from(text),
  text,
  truncated: false,
  headersMs: 1,
  durationMs: 1,
});

describe('HTTP adapter: what the checks read from answers', function () {
  describe('session id entropy', function () {
    it('random ids score close to their length, counters and clocks a handful of bits', function () {
      const random = estimateEntropy(Array.from({ length: 20 }, () => randomBytes(32).toString('base64url')));
      expect(random.alphabet).to.equal('base64');
      expect(random.estimatedBits).to.be.greaterThan(200);
      expect(random.sequentialSteps).to.equal(undefined);

      const base = 0x65f1a2b3n << 16n;
      const counter = estimateEntropy(Array.from({ length: 20 }, (_, i) => (base + BigInt(i + 1)).toString(16).padStart(16, '0')));
      expect(counter.alphabet).to.equal('hex');
      expect(counter.estimatedBits).to.be.lessThan(8);
      expect(counter.sequentialSteps).to.deep.equal(Array(19).fill('1'));

      const clock = estimateEntropy(Array.from({ length: 20 }, (_, i) => String(1_700_000_000_000 + i * 37)));
      expect(clock.alphabet).to.equal('decimal');
      expect(clock.estimatedBits).to.be.lessThan(12);
      expect(clock.sequentialSteps).to.have.length(19);

      const hashed = estimateEntropy(Array.from({ length: 20 }, (_, i) => createHash('md5').update(String(i)).digest('hex')));
      expect(hashed.estimatedBits, 'a hash of a counter looks random from outside').to.be.greaterThan(100);
      expect(estimateEntropy(['abc', 'abc']).duplicates).to.equal(1);
    });
  });

  describe('pages', function () {
    const login = '<html><head><title>Login</title><script>var x="Controller status"</script></head><body><h1>Log in</h1><form><input name="u"></form></body></html>';
    const status = '<html><head><title>Status</title></head><body><h1>Controller status</h1><table><tr><th>Operating mode</th><td>RUN</td></tr><tr><th>Cycle time</th><td>8.41 ms</td></tr></table></body></html>';

    it('takes visible text only and finds what belongs to a page', function () {
      expect(visiblePhrases(login)).to.deep.equal(['Login', 'Log in']);
      expect(distinctivePhrases(status, [login])).to.deep.equal(['status', 'controller status', 'operating mode', 'cycle time', '0 ms']);
    });

    it('judges by content: a redirect carrying the page serves it, a 200 login form does not', function () {
      const distinctive = distinctivePhrases(status, [login]);
      const leak = judgeServed({ ...answer(302, status.replace('8.41', '9.02')), location: 'https://127.0.0.9/login' }, distinctive);
      expect(leak.served).to.equal(true);
      expect(leak.summary).to.equal('302 to /login, 5 of 5 phrases of the page');
      expect(judgeServed(answer(200, login), distinctive).served).to.equal(false);
    });

    it('reduces a refusal to its shape: echoed names, tokens and numbers out', function () {
      const a = '<p>Login failed for jdoe.</p><input type=hidden value="0f3a9c2b7d4e1f6a8b9c0d1e"> 12 ms';
      const b = '<p>Login failed for zq-unknown-77.</p><input type=hidden value="aa01bb02cc03dd04ee05ff06"> 7 ms';
      expect(bodyShape(a, ['jdoe'])).to.equal(bodyShape(b, ['zq-unknown-77']));
      expect(bodyShape('<p>Unknown user.</p>')).to.not.equal(bodyShape('<p>Wrong password.</p>'));
    });

    it('recognises directory listings and what error pages give away', function () {
      expect(looksLikeDirectoryListing(answer(200, '<html><title>Index of /static/</title><a href="../">Parent Directory</a></html>'))).to.equal('title "Index of …"');
      expect(looksLikeDirectoryListing(answer(200, '<h1>Static files</h1>'))).to.equal(undefined);
      expect(looksLikeDirectoryListing(answer(403, '<title>Index of /x</title>'))).to.equal(undefined);
      const trace = answer(500, '<pre>URIError: URI malformed\n    at decodeURIComponent (&lt;anonymous&gt;)\n    at route (/opt/plcweb/lib/router.js:214:17)</pre><address>PLCWeb/2.3.1</address>', { server: 'lighttpd/1.4.69' });
      expect(disclosures(trace).map((found) => `${found.kind}@${found.where}`)).to.deep.equal(['stack trace@body', 'file path@body', 'version@body', 'version@server']);
      expect(disclosures(answer(400, '<p>Bad request</p>', { server: 'webserver' }))).to.deep.equal([]);
    });
  });
});
