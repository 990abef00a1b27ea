/**
 * `tsx bench/cpuprofile-top.ts <file.cpuprofile> [n]`: the functions with the most self time in a
 * V8 CPU profile (as written by `BENCH_CPU_PROF=<dir> npm run bench`), and the heaviest
 * project frames by inclusive time, so a bottleneck can be named without opening DevTools.
 */
import { readFileSync } from 'node:fs';

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] };
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[] };

const [file, count = '25'] = process.argv.slice(2);
if (!file) {
  console.error('usage: tsx bench/cpuprofile-top.ts <file.cpuprofile> [n]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const where = (n: Node) => {
  const url = n.callFrame.url.replace(/^file:\/\//, '').replace(process.cwd() + '/', '');
  return `${n.callFrame.functionName || '(anonymous)'} ${url ? `${url}:${n.callFrame.lineNumber + 1}` : ''}`.trim();
};

// Time per sample: the delta to the next sample.
const self = new Map<string, number>();
const inclusive = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i + 1] ?? 0;
  total += dt;
  const node = byId.get(id)!;
  self.set(where(node), (self.get(where(node)) ?? 0) + dt);
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const key = where(byId.get(cur)!);
    if (!seen.has(key)) {
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + dt);
    }
  }
});

const show = (title: string, map: Map<string, number>, filter: (k: string) => boolean = () => true) => {
  console.log(`\n${title}`);
  [...map.entries()]
    .filter(([k]) => filter(k))
    .sort((a, b) => b[1] - a[1])
    .slice(0, Number(count))
    .forEach(([k, t]) => console.log(`${((t / total) * 100).toFixed(1).padStart(5)} %  ${(t / 1000).toFixed(0).padStart(7)} ms  ${k}`));
};
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled`);
show('Self time', self);
show('Inclusive time, project code (server/)', inclusive, (k) => k.includes('server/') && !k.includes('bench/'));
show('Inclusive time, all', inclusive, (k) => !k.startsWith('(root)'));
