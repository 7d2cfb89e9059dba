/** Response classification: category, permanent/hard, explanation. See classify.ts and rules.ts. */
export { classify, categoryIsHard, normaliseText, withoutRetry } from './classify.js';
export { parseEnhanced, splitReply, codeFromText, normaliseEnhanced, codeClass, statusClass } from './status.js';
export { HARD_CATEGORIES } from './rules.js';
export { replyLine, type ReplyParts } from './reply-line.js';
export type { Category, Classification, ResponseInput } from './types.js';
export { CATEGORIES } from './types.js';
