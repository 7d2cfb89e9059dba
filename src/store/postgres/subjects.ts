/**
 * Subject words on PostgreSQL, matched as SQLite's FTS5 table (unicode61, remove_diacritics) matches them:
 * whole words, any case, accents ignored. The store folds the words itself, at intake and in the query,
 * and PostgreSQL compares them as given (array_to_tsvector, a tsquery of quoted lexemes): no dictionary,
 * stemming or stop words of a server locale take part, so both backends find the same messages.
 */

/** A text's words: runs of letters and digits, lower-cased, accents removed. */
function words(text: string): string[] {
  return (
    text
      .normalize('NFKD')
      .replace(/\p{M}+/gu, '')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

/** The lexemes stored for a subject (each once). */
export function subjectWords(subject: string): string[] {
  return [...new Set(words(subject))];
}

/**
 * The tsquery text for a search: every word required, each quoted so that nothing typed is an operator
 * (a word holds letters and digits only). Null when the search has no word at all (it matches nothing).
 */
export function subjectQuery(search: string): string | null {
  const list = words(search);
  return list.length ? list.map((w) => `'${w}'`).join(' & ') : null;
}
