// Where the wasm's bytes go: groups `twiggy top --format csv` of a build with names (made by
// tests/bench/attribute.sh) by crate, and Docent's own code by module. Prints Markdown tables.
//   node tests/bench/attribute.mjs top.csv [shipped.wasm]
import fs from 'node:fs';
import zlib from 'node:zlib';

const [csvPath, shipped] = process.argv.slice(2);
// Names sections are there for this analysis only: the shipped wasm has none.
const rows = fs.readFileSync(csvPath, 'utf8').trim().split('\n').slice(1).map(parseCsvLine)
  .map(([name, size]) => ({ name, size: Number(size) }))
  .filter((r) => !/names" subsection$/.test(r.name));

function parseCsvLine(line) {
  const out = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (c === '"') quoted = false; else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { out.push(cur); cur = ''; } else cur += c;
  }
  out.push(cur);
  return out;
}

/** The crate a (demangled) item belongs to, and for Docent's crates the module. */
function owner(name) {
  if (/^data\[\d+\]$/.test(name) || name.startsWith('data segment')) return ['data segments (strings, tables)', null];
  if (name === 'mount externref shim') return ['`mount` shim (the whole view tree, inlined)', 'docent_web::mount shim'];
  if (/^intounderlying|^readablestream|^pipeoptions|^queuingstrategy/i.test(name)) return ['wasm_streams (exported, unused)', null];
  if (/^widget_|^mount$|^__wbindgen|^__externref/.test(name)) return ['wasm-bindgen exports and shims', null];
  if (/^code\[\d+\]$/.test(name)) return ['unnamed functions (code[n])', null];
  if (/^(import|export) /.test(name) || name.startsWith('wasm-bindgen')) return ['JS imports/exports', null];
  if (/^(table|elem|type|global|memory|"function names"|producers|custom section|code section headers|table\[|elem\[)/.test(name)
    || name.includes('section') || name.startsWith('type[') || name.startsWith('global[')) return ['wasm sections, tables, names', null];
  // `<A as B>::f`: the implementing type's crate, unless it is a std type implementing our trait.
  let subject = name;
  const impl = name.match(/^<&?(?:mut )?(?:dyn )?([^<> ]+(?:<[^ ]*>)?) as ([^<> ]+)/);
  if (impl) {
    const [, self, trait] = impl;
    const selfCrate = self.split('::')[0].replace(/^[&*]/, '');
    const traitCrate = trait.split('::')[0];
    subject = ['core', 'alloc', 'std'].includes(selfCrate) && !['core', 'alloc', 'std'].includes(traitCrate) ? trait : self;
  }
  subject = subject.replace(/^[<&*]+/, '').replace(/^(mut |dyn )/, '');
  const path = subject.split('::');
  const crate = path[0].replace(/[^\w].*$/, '');
  if (!crate || path.length < 2) return ['unnamed (functions without a path)', null];
  if (crate === 'docent' || crate === 'docent_protocol' || crate === 'docent_web') {
    return [crate, `${crate}::${path[1].replace(/[^\w].*$/, '')}`];
  }
  return [crate, null];
}

const total = rows.reduce((s, r) => s + r.size, 0);
const crates = new Map();
const modules = new Map();
for (const r of rows) {
  const [crate, module] = owner(r.name);
  crates.set(crate, (crates.get(crate) ?? 0) + r.size);
  if (module) modules.set(module, (modules.get(module) ?? 0) + r.size);
}
const pct = (n) => ((100 * n) / total).toFixed(1);
const table = (title, map, limit) => {
  console.log(`\n| ${title} | bytes | % |\n|---|---:|---:|`);
  const entries = [...map].sort((a, b) => b[1] - a[1]);
  let rest = 0;
  entries.forEach(([k, v], i) => {
    if (i < limit) console.log(`| ${k} | ${v.toLocaleString('en')} | ${pct(v)} |`);
    else rest += v;
  });
  if (rest) console.log(`| (${entries.length - limit} more) | ${rest.toLocaleString('en')} | ${pct(rest)} |`);
};
console.log(`twiggy top, shallow bytes of the ${process.argv[2].match(/attribution-([^/]+)/)?.[1] ?? ''} build with names: ${total.toLocaleString('en')} B in all`);
table('crate', crates, 22);
table("Docent's module", modules, 30);
console.log('\n| largest items | bytes |\n|---|---:|');
for (const r of [...rows].sort((a, b) => b.size - a.size).slice(0, 20)) {
  console.log(`| \`${r.name.replace(/::h[0-9a-f]{16}$/, '').slice(0, 110)}\` | ${r.size.toLocaleString('en')} |`);
}
if (shipped) {
  const wasm = fs.readFileSync(shipped);
  const br = zlib.brotliCompressSync(wasm, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_LGWIN]: 22 } }).length;
  console.log(`\nshipped wasm ${wasm.length.toLocaleString('en')} B raw, ${br.toLocaleString('en')} B brotli: brotli is ${(br / wasm.length).toFixed(3)} of raw on average`);
}
