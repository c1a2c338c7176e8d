const mods = process.argv.slice(2);
let t = performance.now();
for (const m of mods) { await import(m); const n = performance.now(); console.log((n-t).toFixed(0).padStart(5), m); t = n; }
