// The widget's way to the executor (executor.js): imported on the first page command, so a
// site without a demo never downloads it. The wasm passes the executor's URL (from
// wasm-bindgen's `link_to!`, next to this file in dist/snippets/), since a dynamic
// `import()` can only be written in JS. Shipped without its comment lines (see executor.js).

let executor = null;
let loaded = null;

/** Runs a command through the executor, importing it first if need be. */
export function run(url, win, command, cancelled) {
  // A failed import (the network, say) is tried again at the next command.
  executor ||= import(url).catch((error) => {
    executor = null;
    throw error;
  });
  return executor.then((module) => (loaded = module).run(win, command, cancelled));
}

/** Removes the executor's highlight; before the first command there is none. */
export function clearHighlight() {
  if (loaded) loaded.clearHighlight();
}
