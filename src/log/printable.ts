/**
 * Text for a terminal. Replies, bounce texts, webhook answers and DNS records come from servers anyone can
 * run: an ESC, BEL, backspace or bare CR in them would recolour, retitle or overwrite what the operator
 * reads (`mailtrail trace` showing a "delivered" line that was never there). Each control character,
 * C1 included, becomes '?'.
 */

/** Every control character. */
export const CONTROL = /[\x00-\x1f\x7f-\x9f]/g;
/** Every control character but the line feed (multi-line replies keep their lines). */
export const CONTROL_BUT_NEWLINE = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/g;
/** Every control character but line feed and tab (the layout of a whole rendered report). */
const CONTROL_BUT_LAYOUT = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/** A whole rendered report: its line feeds and tabs are ours, anything else is replaced. */
export function printable(text: string): string {
  return text.replace(CONTROL_BUT_LAYOUT, '?');
}

/** One field of a tab-separated line: a tab or line feed in it would shift the columns or split the record. */
export function field(text: string | null | undefined): string {
  return (text ?? '').replace(CONTROL, '?');
}
