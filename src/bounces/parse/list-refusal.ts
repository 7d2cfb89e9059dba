/**
 * A list manager's refusal of a post, in whatever language the list is set to. mlmmj, Sympa and Mailman translate
 * their notices to posters — the same template in some thirty languages each — so their words cannot be listed
 * language by language. Two things do not change: who wrote the notice (mlmmj names itself in its greeting; Sympa
 * and Mailman mark their mail with a header and send it from the list's own `-request`, `-owner` or `-bounces`
 * address), and its title saying "refused" (holds, help and information say nothing of the kind). The failed
 * recipient is the list address the notice is about.
 */
import { header, type MimePart } from './mime.js';

/**
 * "Refused", "rejected" or "denied" in the titles list managers give a refused post, in the languages they ship
 * (mlmmj: "Post to <list> denied: …", "Message à <list> refusé : …", "Messaggio a <list> negato: …", "发往 <list> 的邮件
 * 被拒绝"; Sympa: "Your message has been rejected", "Ihre Nachricht wurde abgelehnt", "Ваше сообщение было отвергнуто"…).
 */
export const REFUSED_TITLE =
  /\b(?:denied|rejected|refused|negat[oa]|rifiutat[oa]|rechazad[oa]|denegad[oa]|recusad[oa]|rejeitad[oa]|rebutjat|rexeit\S*|odrzucon[aey]|respins[aă]?|avslagits|refusat)\b|refus[ée]|\brejet\b|abgewiesen|abgelehnt|verweigert|denegáu|odmietnut|odmítnut|odmitnut|není možné|hylätty|hylättiin|απορρ[ιί]φθ|отвергнут|отклонен|visszautasít|gaitzetsi|ei saadetud|từ chối|被拒[绝絕]|拒否|거부|afgewe?zen|afgwezen/i;

/** mlmmj's greeting names the program, then the list in angle brackets, in every language. */
const MLMMJ = /\bMlmmj\b/;
const ANGLED_ADDRESS = /<([^\s<>@]+@[^\s<>@]+)>/;
/** The addresses Sympa and Mailman send a list's notices from. */
const LIST_SENDER = /^(.+?)(?:-request|-owner|-bounces)@([^@\s]+)$/i;

export interface ListRefusal {
  /** The list address the post was refused by. */
  list: string;
  /** The notice's own statement: its title. */
  title: string;
}

/** The refusal a list manager's notice reports, or null when the mail is not one (or not a refusal); `from`: its sender's address. */
export function listManagerRefusal(top: MimePart, subject: string, text: string, from: string | undefined): ListRefusal | null {
  if (!REFUSED_TITLE.test(subject)) return null;
  const head = text.slice(0, 2000);
  if (MLMMJ.test(head)) {
    const list = ANGLED_ADDRESS.exec(head)?.[1];
    return list && subject.toLowerCase().includes(list.toLowerCase()) ? { list, title: subject } : null;
  }
  const marked = /^\s*Sympa\b/i.test(header(top.headers, 'x-mailer') ?? '') || header(top.headers, 'x-mailman-version') !== null;
  const m = marked && from ? LIST_SENDER.exec(from) : null;
  if (!m) return null;
  const list = `${m[1]}@${m[2]}`;
  // (The notice names its list, by address or by name: a site's other mail from such an address is not about it.)
  return text.toLowerCase().includes(m[1]!.toLowerCase()) ? { list, title: subject } : null;
}
