/**
 * Fixed texts of MTAs' notices that many written test notices share, so each test writes only what is its own.
 */

/** Exim's opening of a permanent failure notice, up to the list of failed addresses. */
export const EXIM_PERMANENT_OPENING: readonly string[] = [
  'This message was created automatically by mail delivery software.',
  '',
  'A message that you sent could not be delivered to one or more of its',
  'recipients. This is a permanent error. The following address(es) failed:',
  '',
];
