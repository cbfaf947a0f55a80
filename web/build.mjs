// Builds the dashboard tab: dist/web/tab/{index,config}.html and dist/web/tab/assets/*.
// Prints the bundle budget (each file raw and gzipped, the first load of each page) and fails
// when a page's first load is over BUDGET_KB gzipped, or a script uses eval / new Function
// (the server's CSP has no 'unsafe-eval').
import { build } from 'esbuild';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET_KB = 300;
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const outDir = join(root, 'dist', 'web', 'tab');
const assetsDir = join(outDir, 'assets');

const pages = [
  { name: 'app', entry: 'web/src/main.tsx', template: 'web/public/index.html', html: 'index.html' },
  {
    name: 'config',
    entry: 'web/src/config-main.tsx',
    template: 'web/public/config.html',
    html: 'config.html',
  },
];

await rm(outDir, { recursive: true, force: true });
await mkdir(assetsDir, { recursive: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: Object.fromEntries(pages.map((p) => [p.name, p.entry])),
  outdir: assetsDir,
  bundle: true,
  splitting: true,
  format: 'esm',
  minify: true,
  target: ['es2020', 'chrome100'],
  jsx: 'automatic',
  entryNames: '[name]-[hash]',
  chunkNames: 'chunk-[hash]',
  assetNames: '[name]-[hash]',
  define: { 'process.env.NODE_ENV': '"production"' },
  legalComments: 'external',
  metafile: true,
  logLevel: 'warning',
});

// Third-party licence texts: one file beside the tab (not served), not one per chunk in assets/.
const legal = [];
for (const name of (await readdir(assetsDir)).sort()) {
  if (!name.endsWith('.LEGAL.txt')) continue;
  legal.push(`# ${name.replace(/\.LEGAL\.txt$/, '')}\n\n${await readFile(join(assetsDir, name), 'utf8')}`);
  await rm(join(assetsDir, name));
}
await writeFile(join(root, 'dist', 'web', 'THIRD-PARTY-LICENSES.txt'), legal.join('\n'));

const outputs = result.metafile.outputs;

/** The files a page loads at start: its entry, the chunks it imports statically, and its CSS. */
const firstLoad = (entry) => {
  const out = Object.keys(outputs).find((o) => outputs[o].entryPoint === entry);
  if (out === undefined) throw new Error(`No output for ${entry}`);
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const imp of outputs[file]?.imports ?? [])
      if (imp.kind === 'import-statement' && !imp.external) visit(imp.path);
  };
  visit(out);
  const css = outputs[out].cssBundle;
  return { entry: out, scripts: [...seen], css: css === undefined ? [] : [css] };
};

const href = (file) => `assets/${relative(assetsDir, join(root, file)).split('\\').join('/')}`;

const loads = {};
for (const page of pages) {
  const load = firstLoad(page.entry);
  const template = await readFile(join(root, page.template), 'utf8');
  const styles = load.css.map((f) => `<link rel="stylesheet" href="${href(f)}" />`).join('\n    ');
  const preload = load.scripts
    .filter((f) => f !== load.entry)
    .map((f) => `<link rel="modulepreload" href="${href(f)}" />`);
  const scripts = [...preload, `<script type="module" src="${href(load.entry)}"></script>`].join('\n    ');
  const html = template.replace('<!--styles-->', styles).replace('<!--scripts-->', scripts);
  await writeFile(join(outDir, page.html), html);
  loads[page.html] = [
    join(outDir, page.html),
    ...load.scripts.map((f) => join(root, f)),
    ...load.css.map((f) => join(root, f)),
  ];
}

// The budget.
const sizes = new Map();
const measure = async (file) => {
  if (!sizes.has(file)) {
    const bytes = await readFile(file);
    sizes.set(file, { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length });
  }
  return sizes.get(file);
};
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const files = [];
const walk = async (dir) => {
  for (const name of (await readdir(dir)).sort()) {
    const full = join(dir, name);
    if ((await stat(full)).isDirectory()) await walk(full);
    else files.push(full);
  }
};
await walk(outDir);

/** What a chunk mostly holds: its three largest packages (or "web/src"). */
const contents = new Map();
for (const [out, meta] of Object.entries(outputs)) {
  const bytes = new Map();
  for (const [input, { bytesInOutput }] of Object.entries(meta.inputs ?? {})) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
    const name = m ? m[1] : 'web/src';
    bytes.set(name, (bytes.get(name) ?? 0) + bytesInOutput);
  }
  const top = [...bytes.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3);
  contents.set(join(root, out), top.length === 0 ? 'esbuild runtime' : top.map(([n]) => n).join(', '));
}
const atStart = new Set(Object.values(loads).flat());

const problems = [];
console.log('Dashboard tab bundle (dist/web/tab):');
console.log(`  ${'file'.padEnd(32)} ${'raw'.padStart(10)} ${'gzip'.padStart(10)}  loaded, largest packages`);
for (const file of files) {
  const s = await measure(file);
  const note = `${atStart.has(file) ? 'first load' : 'lazy'}${contents.has(file) ? `: ${contents.get(file)}` : ''}`;
  console.log(
    `  ${relative(outDir, file).padEnd(32)} ${kb(s.raw).padStart(10)} ${kb(s.gzip).padStart(10)}  ${note}`,
  );
  if (file.endsWith('.js')) {
    const text = await readFile(file, 'utf8');
    if (/\beval\s*\(|\bnew\s+Function\s*\(|\bFunction\s*\(\s*["'`]/.test(text)) {
      problems.push(`${relative(outDir, file)} uses eval or new Function (blocked by the CSP).`);
    }
  }
}
for (const [page, list] of Object.entries(loads)) {
  let gzip = 0;
  let raw = 0;
  for (const file of list) {
    const s = await measure(file);
    gzip += s.gzip;
    raw += s.raw;
  }
  console.log(
    `First load of ${page}: ${kb(gzip)} gzipped (${kb(raw)} raw) in ${list.length} files; budget ${BUDGET_KB} KB gzipped.`,
  );
  if (gzip > BUDGET_KB * 1024)
    problems.push(`${page}: first load ${kb(gzip)} gzipped is over the ${BUDGET_KB} KB budget.`);
}
if (problems.length > 0) {
  for (const p of problems) console.error(`Bundle budget: ${p}`);
  process.exit(1);
}
