/**
 * The documentation is the product's interface description: it must name what the code defines, and
 * every pointer into it (a `docs/…md#anchor` in code or tests, a relative link between the docs) must
 * lead somewhere. A key, output or variable added to a contract module without a line in
 * docs/reference.md fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { CONTEXT_KEYS } from '../../lib/config';
import { PROXY_ENV } from '../../shared/contracts/proxy';
import { STACK_OUTPUTS } from '../../shared/contracts/stack';
import { METRICS_NAMESPACE } from '../../shared/contracts/telemetry';

const ROOT = resolve(__dirname, '..', '..');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).map((name) => `docs/${name}`)].filter((path) =>
  path.endsWith('.md'),
);

/** GitHub's anchor for a heading: the rendered text, lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(path: string): Set<string> {
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of read(path).split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = /^#{1,6} (.+)$/.exec(line);
    if (!fenced && heading) anchors.add(anchorOf(heading[1]!));
  }
  return anchors;
}

/** The body of a `## Title` section of docs/reference.md, up to the next `## `. */
function section(title: string): string {
  const text = read('docs/reference.md');
  const start = text.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`docs/reference.md has no section "## ${title}"`);
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}

describe('docs/reference.md names what the contract modules define', () => {
  it.each(CONTEXT_KEYS)('context key %s is in "Context keys"', (key) => {
    expect(section('Context keys')).toContain(`\`${key}\``);
  });

  it.each(Object.values(STACK_OUTPUTS))('output %s is in "Outputs"', (output) => {
    expect(section('Outputs')).toContain(`\`${output}\``);
  });

  it.each(Object.values(PROXY_ENV))('proxy variable %s is in "Proxy environment"', (name) => {
    expect(section('Proxy environment')).toContain(`\`${name}\``);
  });

  it('names the metric namespace in "Telemetry"', () => {
    expect(section('Telemetry')).toContain(`\`${METRICS_NAMESPACE}\``);
  });
});

describe('every pointer into the docs leads somewhere', () => {
  it('each docs/<file>.md#anchor cited in the repository exists', () => {
    const files = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter((file) => /\.(ts|js|json|md)$/.test(file) && !file.endsWith('.snap'));
    const broken: string[] = [];
    for (const file of files) {
      for (const [, doc, anchor] of read(file).matchAll(/\bdocs\/([a-z0-9-]+\.md)#([a-z0-9-]+)/g)) {
        const path = `docs/${doc!}`;
        if (!DOCS.includes(path) || !anchorsOf(path).has(anchor!)) broken.push(`${file}: ${path}#${anchor!}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('each relative link in README.md and docs/ resolves to a file and, with #, a heading', () => {
    const broken: string[] = [];
    for (const path of DOCS) {
      const base = path.includes('/') ? 'docs/' : '';
      for (const [, target] of read(path).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue; // https:, mailto:
        const [file, anchor] = target!.split('#');
        const linked = file ? join(base, file).replace(/\\/g, '/') : path;
        let exists = true;
        try {
          read(linked);
        } catch {
          exists = false;
        }
        if (!exists) broken.push(`${path}: ${target!} (no file ${linked})`);
        else if (anchor && linked.endsWith('.md') && !anchorsOf(linked).has(anchor))
          broken.push(`${path}: ${target!} (no heading #${anchor} in ${linked})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('nothing cites a document the repository does not have: every *.md named in code or docs exists', () => {
    const tracked = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n');
    const documents = new Set(tracked.filter((file) => file.endsWith('.md')));
    const missing: string[] = [];
    for (const file of tracked.filter((f) => /\.(ts|js|mjs|md)$/.test(f))) {
      const base = file.startsWith('docs/') ? 'docs/' : '';
      // Bare names (`deploy.md`, `docs/deploy.md`, `README.md`); not the tail of a URL.
      for (const [, name] of read(file).matchAll(/(?<![\w/.:-])((?:docs\/)?[\w.-]+\.md)\b/g)) {
        const candidates = [name!, `docs/${name!}`, join(base, name!)];
        if (!candidates.some((candidate) => documents.has(candidate))) missing.push(`${file}: ${name!}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
