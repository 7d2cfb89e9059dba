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
  // A ticket system's tag may come first: Request Tracker titles its acknowledgement "[rt.example.com #123] AutoReply: …".
  '^\\s*(?:\\[[^\\]\\n]{1,80}#\\d+\\]\\s*)?\\[?\\s*(?:' +
    [
      'auto(?:matic|matische?)?[ -]?(?:reply|response|answer|antwort)', // en, de
      'automated (?:reply|response)',
      'auto(?=\\s*:)', // Lotus Notes and Domino: "AUTO: …"
      'out of (?:the )?office',
      'away from (?:the )?office',
      'away from my (?:e-?)?mail', // the `vacation` program's default subject
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
      'risposta non al computer', // Outlook's older Italian title
      'automatisch antwoord', // nl
      'afwezig',
      'resposta autom[aá]tica', // pt
      'resposta automàtica', // ca
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
      'frånvaro', // sv
      'automatick[aá] odpov[eě]ď', // cs, sk
      'automatikus válasz', // hu
      'otomatik (?:yanıt|cevap)', // tr
      'αυτόματη απάντηση', // el
      '自动(?:回复|答复)', // zh (simplified)
      '자동 ?(?:응답|회신)', // ko
      'automatski odgovor', // hr, sr, bs
      'а[ув]томатски одговор', // sr, mk (Cyrillic)
      'samodejni odgovor', // sl
      'răspuns automat', // ro
      'автоматична відповідь', // uk
      'автоматичен отговор', // bg
      'automatinis atsakymas', // lt
      'automātiskā atbilde', // lv
      'automaatvastus', // et
      'תשובה אוטומטית', // he
      'رد تلقائي', // ar
      'پاسخ خودکار', // fa
      'स्वचालित (?:उत्तर|जवाब)', // hi
      'trả lời tự động', // vi
      'ตอบกลับอัตโนมัติ', // th
      'balasan (?:otomatis|automatik)', // id, ms
    ].join('|') +
    ')',
  'i',
);

/** Lotus Notes and Domino put the person first: "Jane Doe/Sales/Example is out of the office." */
const NOTES_SUBJECT = /\bis (?:currently )?out of (?:the )?office\b/i;

const OTHER_MARKS = ['x-auto-reply', 'x-autoresponse', 'x-autoreply-from', 'x-mail-autoreply'];

/**
 * An out-of-office statement or a responder's own label opening the text, for a reply whose title and headers say
 * nothing (a responder that keeps the answered title, a copy whose headers were lost): Notes' and Domino's "I will be
 * out of the office starting … and will not return until …" and "Note: This is an automated response to your
 * message", its German "Dies ist eine automatische Antwort", QQ Mail's "这是来自QQ邮箱的假期自动回复邮件" (a vacation
 * auto-reply), the usual first-person absences. Read only for a mail that no notice's sender, title or format marks.
 */
const BODY_RE = new RegExp(
  [
    "\\b(?:i am|i'm|i will be|i'll be|i shall be)\\s+(?:currently\\s+|now\\s+)?(?:out of (?:the )?office|away from (?:the |my )?(?:office|desk|e-?mail)|on (?:annual |parental |sick |maternity |paternity )?(?:leave|vacation|holiday)s?)\\b",
    '\\bthis is an automated (?:reply|response)\\b',
    '\\bautomated response to your (?:message|e-?mail)\\b',
    '\\bdies ist eine automatische antwort\\b',
    '\\bich (?:bin|werde)\\b[^.\\n]{0,60}\\b(?:nicht im b(?:ü|ue)ro|abwesend|au(?:ß|ss)er haus|im urlaub)\\b',
    '\\bje (?:suis|serai)\\b[^.\\n]{0,40}\\babsente?\\b',
    '\\bceci est une r[ée]ponse automatique\\b',
    '\\b(?:estoy|estar[ée])\\b[^.\\n]{0,40}\\b(?:fuera de la oficina|de vacaciones|ausente)\\b',
    '\\besta es una respuesta autom[áa]tica\\b',
    // Russian, Italian, Portuguese, Dutch and Polish: "I am on (planned) leave", "out of the office", "this is an automatic reply".
    '(?:я|сейчас)\\s+(?:нахожусь|буду)\\s+(?:в\\s+(?:плановом\\s+|ежегодном\\s+)?отпуске|вне офиса)',
    '(?:^|[\\s.,!])это автоматический ответ',
    '\\bsono (?:fuori (?:ufficio|sede)|in ferie)\\b',
    '\\bquesta è una risposta automatica\\b',
    '\\bestou (?:de f[ée]rias|fora do escrit[óo]rio|ausente)\\b',
    '\\besta [ée] uma resposta autom[áa]tica\\b',
    '\\bik ben (?:afwezig|met vakantie|niet op kantoor)\\b',
    '\\bdit is een automatisch (?:antwoord|bericht)\\b',
    '\\bjestem (?:na urlopie|poza biurem|nieobecn[ya])(?![a-ząćęłńóśźż])',
    '\\bto jest automatyczna odpowied(?:ź|z)(?![a-z])',
    // Acknowledgements: a help desk's or a person's responder saying the mail arrived.
    '\\bthis is an automatic (?:e-?mail|message|reply|response|notification)\\b',
    '\\byour (?:e-?mail|message|support request|request) (?:has been|was) (?:received|submitted)\\b',
    "\\bi(?: have|'ve) (?:got|received) your e-?mail\\b",
    "\\b(?:i'll|i will) be back (?:in|at) the office\\b",
    '\\b(?:bin|sind) (?:am|ab) [^\\n]{1,30}? wieder im b(?:ü|ue)ro\\b',
    '\\bhabe ihre e-?mail (?:bekommen|erhalten)\\b',
    '自动回复',
    '(?:已经?|已)收到(?:了)?(?:您|你)的(?:邮件|来信|信件)',
    '(?:邮件|来信|信件)(?:我)?(?:已经?|已)(?:经)?收到',
    '(?:您|你)(?:发|发送)的邮件我?(?:已经?)?收到',
    '自動(?:応答|返信)',
    '(?:お問い合わせ|メール)を受け付けました',
    '자동 ?(?:응답|회신)',
  ].join('|'),
  'i',
);

/** The text opens as an automatic reply's (BODY_RE, in its first lines). */
export function autoReplyBody(text: string): boolean {
  return BODY_RE.test(text.slice(0, 1200));
}

export interface AutoReplySignal {
  /** Why it was taken for an auto-reply (header or subject). */
  reason: string;
}

/**
 * The subject opens as an automatic reply's ("Automatic reply: …", "Out of Office: …", "Abwesenheitsnotiz:
 * …"). Notes' phrase is not taken here: it may stand after a notice's own title ("Undeliverable: Jane Doe
 * is out of the office").
 */
export function autoReplySubject(subject: string): boolean {
  return SUBJECT_RE.test(subject);
}

export function detectAutoReply(headers: Header[], subject: string): AutoReplySignal | null {
  const auto = (header(headers, 'auto-submitted') ?? '').toLowerCase();
  if (auto.startsWith('auto-replied')) return { reason: 'Auto-Submitted: auto-replied' };
  if (header(headers, 'x-autoreply') !== null && !/^\s*(no|false)\b/i.test(header(headers, 'x-autoreply') ?? '')) return { reason: 'X-Autoreply' };
  if (header(headers, 'x-autorespond') !== null) return { reason: 'X-Autorespond' };
  // Other responders' own marks: X-Auto-Reply / X-Autoresponse (unless no/false), Domain Technologies'
  // X-AutoReply-From and X-Mail-Autoreply, CommuniGate Pro's X-Autogenerated: Reply ("Forward" is a
  // forwarding rule's copy, not a reply).
  for (const name of OTHER_MARKS) {
    const v = header(headers, name);
    if (v !== null && !/^\s*(no|false)\b/i.test(v)) return { reason: name };
  }
  if (/^\s*reply\b/i.test(header(headers, 'x-autogenerated') ?? '')) return { reason: 'X-Autogenerated: Reply' };
  // FirstClass marks what it writes itself, Mailtraq its responder's class, qmail's autoresponder its delivery.
  if (/^\s*true\b/i.test(header(headers, 'x-fc-machinegenerated') ?? '')) return { reason: 'X-FC-MachineGenerated' };
  if (/\bautoresponder\b/i.test(header(headers, 'x-post-messageclass') ?? '')) return { reason: 'X-POST-MessageClass: Autoresponder' };
  if (/^\s*autoresponder\s*$/i.test(header(headers, 'delivered-to') ?? '')) return { reason: 'Delivered-To: Autoresponder' };
  // iCloud's vacation responder.
  if (/^\s*vacation\b/i.test(header(headers, 'x-apple-action') ?? '')) return { reason: 'X-Apple-Action: vacation' };
  const precedence = (header(headers, 'precedence') ?? '').toLowerCase();
  if (precedence.includes('auto_reply') || precedence.includes('auto-reply')) return { reason: 'Precedence: auto_reply' };
  // procmail's responders (procmailex(5)'s vacation recipe and its copies: `formail -r` with "Precedence: junk" and an
  // "X-Loop:" of the responder's own address): a reply marked as bulk and looped-checked, not a list's post.
  if (
    /^\s*(?:junk|bulk)\s*$/.test(precedence) &&
    header(headers, 'x-loop') !== null &&
    header(headers, 'in-reply-to') !== null &&
    header(headers, 'list-id') === null
  )
    return { reason: 'Precedence: junk with X-Loop' };
  if (SUBJECT_RE.test(subject) || NOTES_SUBJECT.test(subject)) return { reason: 'subject' };
  // Any other machine-written mail (RFC 3834's auto-generated, auto-notified) that reaches the address our
  // message came from, and is neither a report nor a notice (read before this), answers that message: many
  // responders mark their replies so, not auto-replied (as Sisimai's RFC 3834 reader takes them too). A
  // system's own mail to root is not an answer.
  if ((auto.startsWith('auto-generated') || auto.startsWith('auto-notified')) && !/\broot@/i.test(header(headers, 'from') ?? ''))
    return { reason: `Auto-Submitted: ${auto.split(/[\s;]/)[0]}` };
  return null;
}
