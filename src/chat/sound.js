// The notification sound: two soft notes made by the browser's Web Audio, so there is no
// sound file to download. Imported the first time a sound plays, on sites that turn it on
// (`data-sound="true"`). Shipped without its comment lines (see executor.js).

let context = null;

/** Plays two short notes, rising, quiet (a gain of 0.12), 0.4 s in all. */
export function chime() {
  const Audio = window.AudioContext || window.webkitAudioContext;
  if (!Audio) return;
  context ||= new Audio();
  // A context made before the visitor touched the page starts suspended; after a click it
  // may resume. If it may not, the notes are scheduled and simply not heard.
  if (context.state === 'suspended') context.resume().catch(() => {});
  const now = context.currentTime;
  for (const [hertz, at] of [[660, 0], [880, 0.13]]) {
    const note = context.createOscillator();
    const volume = context.createGain();
    note.frequency.value = hertz;
    volume.gain.setValueAtTime(0.0001, now + at);
    volume.gain.exponentialRampToValueAtTime(0.12, now + at + 0.02);
    volume.gain.exponentialRampToValueAtTime(0.0001, now + at + 0.25);
    // Not chained: older Safari's connect() returns nothing.
    note.connect(volume);
    volume.connect(context.destination);
    note.start(now + at);
    note.stop(now + at + 0.27);
  }
}
