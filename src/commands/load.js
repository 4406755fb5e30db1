// The widget's way to the notification sound (sound.js), imported at the first sound: the
// wasm passes the module's URL (from wasm-bindgen's `link_to!`, beside this file in
// dist/snippets/), since a dynamic `import()` can only be written in JS. Shipped without its
// comment lines (see executor.js).

/** Plays the notification sound, importing sound.js first if need be (a failed import is
 * tried again next time; a sound that cannot play is not worth an error). */
export function chime(url) {
  import(url).then((module) => module.chime()).catch(() => {});
}
