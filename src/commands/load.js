// The widget's way to the modules only some visitors need, imported on first use: the
// page-command executor (executor.js), at the first page command, so a site without a demo
// never downloads it; the notification sound (sound.js), at the first sound. The wasm
// passes each module's URL (from wasm-bindgen's `link_to!`, beside this file in
// dist/snippets/), since a dynamic `import()` can only be written in JS. Shipped without its comment lines (see executor.js).

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

/** Plays the notification sound, importing sound.js first if need be (a failed import is
 * tried again next time; a sound that cannot play is not worth an error). */
export function chime(url) {
  import(url).then((module) => module.chime()).catch(() => {});
}
