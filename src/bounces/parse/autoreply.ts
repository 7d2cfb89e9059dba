/**
 * Automatic replies (RFC 3834 and the older conventions that predate it). An auto-reply says the mail
 * arrived; it never changes a recipient's state.
 */
import { header, type Header } from './mime.js';

/**
 * Out-of-office / vacation subjects in the languages we meet most; anchored to the start of the subject,
 * where webmail often puts the phrase in brackets ("[Auto-Reply] …", "[Automatyczna odpowiedź] …").
 */
const SUBJECT_RE = new RegExp(
  '^\\s*\\[?\\s*(?:' +
    [
      'auto(?:matic|matische?)?[ -]?(?:reply|response|answer|antwort)', // en, de
      'out of (?:the )?office',
      'away from (?:the )?office',
      'on vacation',
      'vacation',
      'abwesenheit(?:snotiz)?', // de
      'automatische antwort', // de
      'ich bin (?:nicht im büro|abwesend)',
      'réponse automatique', // fr
      'absence', // fr, en
      'absent(?:e)? du bureau',
      'respuesta automática', // es
      'fuera de (?:la )?oficina',
      'risposta automatica', // it
      'fuori (?:sede|ufficio)',
      'automatisch antwoord', // nl
      'afwezig',
      'resposta automática', // pt
      'fora do escritório',
      'ausente',
      '自動(?:応答|返信|回覆|回复)', // ja, zh
      '不在',
      'автоматический ответ', // ru
      'autosvar', // sv, da, no
      'automaattinen vastaus', // fi
      'odpowiedź automatyczna', // pl
      'automatyczna odpowiedź',
      'automatisk svar', // da, no, sv
      'automatick[aá] odpov[eě]ď', // cs, sk
      'automatikus válasz', // hu
      'otomatik (?:yanıt|cevap)', // tr
      'αυτόματη απάντηση', // el
      '自动(?:回复|答复)', // zh (simplified)
      '자동 ?(?:응답|회신)', // ko
      'automatski odgovor', // hr, sr, bs
      'samodejni odgovor', // sl
      'răspuns automat', // ro
      'автоматична відповідь', // uk
    ].join('|') +
    ')' +
    // Lotus Notes and Domino put the person first: "Jane Doe/Sales/Example is out of the office."
    '|\\bis (?:currently )?out of (?:the )?office\\b',
  'i',
);

export interface AutoReplySignal {
  /** Why it was taken for an auto-reply (header or subject). */
  reason: string;
}

/** The subject is an automatic reply's ("Automatic reply: …", "Out of Office: …", "Abwesenheitsnotiz: …"). */
export function autoReplySubject(subject: string): boolean {
  return SUBJECT_RE.test(subject);
}

export function detectAutoReply(headers: Header[], subject: string): AutoReplySignal | null {
  const auto = (header(headers, 'auto-submitted') ?? '').toLowerCase();
  if (auto.startsWith('auto-replied')) return { reason: 'Auto-Submitted: auto-replied' };
  if (header(headers, 'x-autoreply') !== null && !/^\s*(no|false)\b/i.test(header(headers, 'x-autoreply') ?? '')) return { reason: 'X-Autoreply' };
  if (header(headers, 'x-autorespond') !== null) return { reason: 'X-Autorespond' };
  const precedence = (header(headers, 'precedence') ?? '').toLowerCase();
  if (precedence.includes('auto_reply') || precedence.includes('auto-reply')) return { reason: 'Precedence: auto_reply' };
  if (SUBJECT_RE.test(subject)) return { reason: 'subject' };
  return null;
}
