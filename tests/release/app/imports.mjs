// Imports each package named on the command line and prints `ok <name>` with its export count.
for (const name of process.argv.slice(2)) {
  const m = await import(name);
  if (Object.keys(m).length === 0) throw new Error(`${name} exports nothing`);
  console.log(`ok ${name} (${Object.keys(m).length} exports)`);
}
