/**
 * Providers' and filters' documented replies (issue 16): real reply lines as the providers publish them, or
 * as the public catalogues of replies seen in the wild (smtp.codes, smtpfieldmanual.com) quote them, with
 * addresses, IPs and ids replaced by example ones. Each row gives the stage the source names, the category
 * the source's explanation fits, and hard/soft: hard only when the address itself is bad (no such user, no
 * such domain, mailbox gone); everything else (full, disabled, blocked, rate, reputation, policy, content,
 * authentication, system) is soft.
 *
 * Each reply is classified three ways: as the live reply at its stage, as reported in a bounce with its own
 * status in the Status field, and as reported in a bounce whose Status is the reporting MTA's generic X.0.0
 * (as wording-families.test.ts does). All three must agree with the source.
 *
 * Where a provider's documented meaning disagrees with the status it sends (iCloud's "inactive" and its
 * outage wording under 5.1.1, Gmail's DKIM under 5.7.30, GoDaddy's limits under 5.1.1), the documented
 * meaning is expected, and the row says so.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify, splitReply } from '../../src/classify/index.js';
import type { Category } from '../../src/classify/types.js';
import type { Phase } from '../../src/types.js';

type Verdict = 'hard' | 'soft';
/** Stage, raw reply, the category (or the categories the source's explanation allows), hard/soft. */
type Row = readonly [Phase, string, Category | readonly Category[], Verdict];
interface Group {
  provider: string;
  /** Where the replies and their meaning come from. */
  sources: readonly string[];
  rows: readonly Row[];
}

const GROUPS: readonly Group[] = [
  {
    provider: 'Gmail / Google Workspace',
    sources: ['https://support.google.com/a/answer/3726730', 'https://smtp.codes/google', 'https://smtpfieldmanual.com/provider/google'],
    rows: [
      [
        'rcpt',
        '450 4.2.1 The user you are trying to contact is receiving email too quickly. Please resend your message at a later time. If the user is able to receive email at that time, your message will be delivered. - gsmtp',
        'rate-limited',
        'soft',
      ],
      [
        'rcpt',
        '450 4.2.1 The user you are trying to contact is receiving email at a rate that prevents additional messages from being delivered. Please resend your message at a later time. - gsmtp',
        'rate-limited',
        'soft',
      ],
      ['mail', '450 4.2.1 Peak SMTP relay limit exceeded for this customer. This is a temporary error. - gsmtp', 'rate-limited', 'soft'],
      [
        'rcpt',
        "452 4.2.2 The recipient's inbox is out of storage space. Please direct the recipient to Manage files in your Google Drive storage. - gsmtp",
        'mailbox-full',
        'soft',
      ],
      [
        'data',
        '451 4.3.0 Email server has temporarily rejected this message. Go to About SMTP error messages for more information. - gsmtp',
        'server-busy',
        'soft',
      ],
      ['connect', '421 4.3.0 Temporary System Problem. Try again later. - gsmtp', 'server-busy', 'soft'],
      ['data', '451 4.4.2 Timeout - closing connection. - gsmtp', 'connection-failure', 'soft'],
      ['connect', '421 4.4.5 Server busy, try again later. - gsmtp', 'server-busy', 'soft'],
      [
        'data',
        '451 4.5.0 SMTP protocol violation. For more information, go to About SMTP error messages and review RFC 5321 specifications. - gsmtp',
        'protocol-error',
        'soft',
      ],
      [
        'rcpt',
        "452 4.5.3 Your message has too many recipients. For more information regarding Google's sending limits, go to Limits for sending & getting email. - gsmtp",
        'rate-limited',
        'soft',
      ],
      ['rcpt', '421 4.7.0 IP not in whitelist for RCPT domain, closing connection. - gsmtp', 'policy', 'soft'],
      ['rcpt', '421 4.7.0 TLS required for RCPT domain, closing connection. - gsmtp', 'tls-required', 'soft'],
      [
        'data',
        '421 4.7.0 [192.0.2.1] The IP address sending this message does not have a PTR record, or the corresponding forward DNS entry does not point to the sending IP. To protect our users from spam, email sent from your IP address has been temporarily rate limited. - gsmtp',
        'authentication-policy',
        'soft',
      ],
      [
        'data',
        '421 4.7.0 [192.0.2.1] This message is suspicious due to the very low reputation of the sending IP address. To protect our users from spam, email sent from your IP address has been temporarily rate limited. - gsmtp',
        'reputation-or-blocklist',
        'soft',
      ],
      [
        'data',
        '421 4.7.0 [192.0.2.1] Our system has detected that this message is suspicious due to the very low reputation of the sending domain. To best protect our users from spam, the message has been blocked. - gsmtp',
        'reputation-or-blocklist',
        'soft',
      ],
      [
        'data',
        '421 4.7.0 [192.0.2.1] Our system has detected that this message is suspicious due to the nature of the content and/or the links within. To best protect our users from spam, the message has been blocked. - gsmtp',
        'content-or-spam',
        'soft',
      ],
      [
        'data',
        "451 4.7.23 [192.0.2.1] The sending IP address for this message doesn't have a PTR record, or the PTR record's forward DNS entry doesn't match the sending IP address. To protect users from spam, your email has been temporarily rate limited. - gsmtp",
        'authentication-policy',
        'soft',
      ],
      [
        'data',
        '451 4.7.24 The SPF record of the sending domain has one or more suspicious entries. To protect our users from spam, email sent from your IP address has been temporarily rate limited. - gsmtp',
        'authentication-policy',
        'soft',
      ],
      [
        'data',
        "451 4.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC policy, but temporary DNS failures prevent authentication. Please contact the administrator of example.com domain if this was a legitimate email. - gsmtp",
        'authentication-policy',
        'soft',
      ],
      [
        'data',
        '421 4.7.26 This email has been rate limited because it is unauthenticated. Gmail requires all senders to authenticate with either SPF or DKIM. Authentication results: DKIM = did not pass SPF [example.com] with ip: [192.0.2.1] = did not pass. - gsmtp',
        'authentication-policy',
        'soft',
      ],
      [
        'data',
        "421 4.7.27 Your email has been rate limited because SPF authentication didn't pass for this message. Gmail requires all bulk email senders to authenticate their email with SPF. Authentication results: SPF example.com with IP address: 192.0.2.1 = Did not pass. - gsmtp",
        'authentication-policy',
        'soft',
      ],
      [
        'data',
        '421 4.7.28 Gmail has detected an unusual rate of email. To protect our users from spam, email has been temporarily rate limited. - gsmtp',
        'rate-limited',
        'soft',
      ],
      [
        'data',
        '421 4.7.28 [192.0.2.1] Our system has detected an unusual rate of unsolicited mail originating from your IP address. To protect our users from spam, mail sent from your IP address has been temporarily rate limited. - gsmtp',
        'reputation-or-blocklist',
        'soft',
      ],
      [
        'data',
        '421 4.7.28 Gmail has detected an unusual rate of unsolicited email originating from your DKIM domain example.com. To protect our users from spam, email sent from your domain has been temporarily rate limited. - gsmtp',
        'reputation-or-blocklist',
        'soft',
      ],
      [
        'data',
        '421 4.7.28 Gmail has detected an unusual rate of unsolicited email containing one of your URL domains. To protect our users from spam, email with the URL has been temporarily rate limited. - gsmtp',
        'reputation-or-blocklist',
        'soft',
      ],
      [
        'data',
        "421 4.7.29 Your email has been rate limited because you're not using a TLS connection. Gmail requires all bulk email senders to use TLS/SSL for SMTP connections. - gsmtp",
        'tls-required',
        'soft',
      ],
      [
        'data',
        "421 4.7.30 Your email has been rate limited because DKIM authentication didn't pass for this message. Gmail requires all email bulk senders to authenticate their email with DKIM. Authentication results: DKIM = Did not pass. - gsmtp",
        'authentication-policy',
        'soft',
      ],
      [
        'data',
        "421 4.7.32 Your email has been rate limited because the From: header (RFC5322) in this message isn't aligned with either the authenticated SPF or DKIM organizational domain. - gsmtp",
        'authentication-policy',
        'soft',
      ],
      [
        'data',
        "421 4.7.40 Your email has been rate limited because the sending domain doesn't have a DMARC record, or the DMARC record doesn't specify a DMARC policy. Gmail requires all bulk email senders to add a DMARC record to their sending domain. - gsmtp",
        'authentication-policy',
        'soft',
      ],
      [
        'rcpt',
        "550 5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces. Learn more at https://support.google.com/mail/?p=NoSuchUser - gsmtp",
        'mailbox-unknown',
        'hard',
      ],
      [
        'rcpt',
        "553 5.1.2 We weren't able to find the recipient domain. Please check for any spelling errors and make sure you didn't enter any spaces, periods, or other punctuation after the recipient's email address. - gsmtp",
        'domain-unknown',
        'hard',
      ],
      ['rcpt', '553 5.1.3 The recipient address <jane@example..com> is not a valid RFC 5321 address. - gsmtp', 'mailbox-unknown', 'hard'],
      ['mail', '553 5.1.7 The sender address <bad@@example.com> is not a valid RFC 5321 address. - gsmtp', 'policy', 'soft'],
      [
        'rcpt',
        '550 5.2.1 The email account that you tried to reach is inactive. For more information, go to https://support.google.com/mail/?p=DisabledUser - gsmtp',
        'mailbox-disabled',
        'soft',
      ],
      [
        'rcpt',
        '550 5.2.1 The email account that you tried to reach is disabled. Learn more at https://support.google.com/mail/?p=DisabledUser - gsmtp',
        'mailbox-disabled',
        'soft',
      ],
      [
        'rcpt',
        '550 5.2.1 The user you are trying to contact is receiving email at a rate that prevents additional messages from being delivered. - gsmtp',
        'rate-limited',
        'soft',
      ],
      [
        'rcpt',
        "552 5.2.2 The recipient's inbox is out of storage space and inactive. Please direct the recipient to Manage files in your Google Drive storage. - gsmtp",
        'mailbox-full',
        'soft',
      ],
      [
        'rcpt',
        '552 5.2.2 The email account that you tried to reach is over quota. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaPerm - gsmtp',
        'mailbox-full',
        'soft',
      ],
      [
        'data',
        "552 5.3.4 Your message exceeded Google's message size limits. To view our message size guidelines, go to Send attachments with your Gmail message. - gsmtp",
        'message-too-large',
        'soft',
      ],
      [
        'data',
        "552 5.3.4 The size of your message (31457280 bytes) exceeded Google's message size limits of 26214400 bytes. - gsmtp",
        'message-too-large',
        'soft',
      ],
      [
        'data',
        "552 5.3.4 Your message exceeded Google's message header size limits. To view our header size guidelines, go to Gmail message header limits. - gsmtp",
        'message-too-large',
        'soft',
      ],
      [
        'mail',
        '550 5.4.5 Daily user sending limit exceeded. For more information on Gmail sending limits, go to Gmail sending limits. - gsmtp',
        'rate-limited',
        'soft',
      ],
      [
        'mail',
        '550 5.4.5 Daily SMTP relay limit exceeded for user. For more information on SMTP relay sending limits, contact your administrator. - gsmtp',
        'rate-limited',
        'soft',
      ],
      ['data', '554 5.4.6 Message exceeded 50 hops, this may indicate an email loop. - gsmtp', 'system-error', 'soft'],
      ['rcpt', '503 5.5.1 Bad sequence of commands. - gsmtp', 'protocol-error', 'soft'],
      ['ehlo', '502 5.5.1 Unrecognized command. - gsmtp', 'protocol-error', 'soft'],
      ['mail', '555 5.5.2 Syntax error. - gsmtp', 'protocol-error', 'soft'],
      ['rcpt', '550 5.5.3 Too many recipients for this sender. - gsmtp', 'rate-limited', 'soft'],
      ['ehlo', '501 5.5.4 HELO/EHLO argument "bad_name" invalid, closing connection. - gsmtp', 'protocol-error', 'soft'],
      [
        'data',
        '554 5.6.0 Email message is malformed. Not accepted. For more information, go to Email sender guidelines and review RFC 5322 specifications. - gsmtp',
        'protocol-error',
        'soft',
      ],
      [
        'data',
        '552 5.7.0 This message was blocked because its content presents a potential security issue. To review our message content and attachment content guidelines, go to File types blocked in Gmail. - gsmtp',
        ['virus', 'content-or-spam'],
        'soft',
      ],
      ['mail', '554 5.7.0 Too many unauthenticated commands. - gsmtp', 'protocol-error', 'soft'],
      ['mail', '530 5.7.0 Must issue a STARTTLS command first. - gsmtp', 'tls-required', 'soft'],
      [
        'mail',
        '550 5.7.0 Email relay denied 192.0.2.1. Invalid credentials for relay for one of the domains in: example.com (as obtained from HELO and MAIL FROM). - gsmtp',
        'relay-denied',
        'soft',
      ],
      [
        'data',
        '550 5.7.1 The user or domain that you are sending to (or from) has a policy that prohibits the email that you sent. Contact your domain administrator for assistance. - gsmtp',
        'policy',
        'soft',
      ],
      ['data', '550 5.7.1 This message violates example.com email policy. - gcdp <a1b2c3> - gsmtp', 'policy', 'soft'],
      [
        'data',
        '550 5.7.1 [192.0.2.1] Our system has detected that this message is likely unsolicited mail. To reduce the amount of spam sent to Gmail, this message has been blocked. - gsmtp',
        'content-or-spam',
        'soft',
      ],
      [
        'data',
        '550 5.7.1 [2001:db8::1] This message does not meet IPv6 sending guidelines regarding PTR records and authentication. - gsmtp',
        'authentication-policy',
        'soft',
      ],
      [
        'data',
        '550 5.7.1 This message is likely suspicious due to the very low reputation of the sending IP address. To best protect our users from spam, the message has been blocked. - gsmtp',
        'reputation-or-blocklist',
        'soft',
      ],
      [
        'data',
        '550 5.7.1 This message is likely suspicious due to the very low reputation of the sending domain. To best protect our users from spam, the message has been blocked. - gsmtp',
        'reputation-or-blocklist',
        'soft',
      ],
      [
        'data',
        '550 5.7.1 Messages missing a valid address in the From: header, or having no From: header, are not accepted. - gsmtp',
        'protocol-error',
        'soft',
      ],
      ['data', '550 5.7.1 Messages missing a valid Message-ID: header are not accepted. - gsmtp', 'protocol-error', 'soft'],
      ['data', '550 5.7.1 Messages with multiple addresses in the From: header are not accepted. - gsmtp', 'protocol-error', 'soft'],
      [
        'data',
        '550 5.7.1 This message is not RFC 5322 compliant because it has duplicate headers. To reduce the amount of spam sent to Gmail, this message has been blocked. - gsmtp',
        'protocol-error',
        'soft',
      ],
      ['data', '550 5.7.1 This email has been rate limited. For more information, go to Limits for sending & getting email. - gsmtp', 'rate-limited', 'soft'],
      [
        'mail',
        "550 5.7.1 The IP you're using to send email is not authorized to send email directly to our servers. Use the SMTP relay at your service provider instead. - gsmtp",
        'reputation-or-blocklist',
        'soft',
      ],
      ['mail', '550 5.7.1 Daily SMTP relay sending limit exceeded for this customer. - gsmtp', 'rate-limited', 'soft'],
      [
        'data',
        "550 5.7.25 [192.0.2.1] This message was blocked because the sending IP address doesn't have a PTR record, or the forwarding DNS entry doesn't reference the sending IP address. - gsmtp",
        'authentication-policy',
        'soft',
      ],
      [
        'data',
        '550 5.7.26 This email has been blocked because the sender is unauthenticated. Gmail requires all senders to authenticate with either SPF or DKIM. Authentication results: DKIM = did not pass SPF [example.com] with ip: [192.0.2.1] = did not pass. - gsmtp',
        'authentication-policy',
        'soft',
      ],
      [
        'data',
        "550 5.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC policy. Please contact the administrator of example.com domain if this was a legitimate mail. - gsmtp",
        'authentication-policy',
        'soft',
      ],
      [
        'data',
        "550 5.7.27 This message was blocked because it didn't pass SPF authentication. Gmail requires bulk email senders to authenticate their email with SPF. Authentication results: SPF with 192.0.2.1 = did not pass - gsmtp",
        'authentication-policy',
        'soft',
      ],
      [
        'data',
        '550 5.7.28 There is an unusual rate of unsolicited email originating from your IP address. To protect our users from spam, email sent from your IP address has been blocked. - gsmtp',
        'reputation-or-blocklist',
        'soft',
      ],
      [
        'data',
        "550 5.7.29 This message was blocked because it wasn't sent over a TLS connection. Gmail requires all bulk email senders to use TLS/SSL for SMTP connections. - gsmtp",
        'tls-required',
        'soft',
      ],
      // Gmail uses 5.7.30 for a DKIM failure, where RFC 8689 registers it for REQUIRETLS: its words decide.
      [
        'data',
        "550 5.7.30 This message was blocked because it didn't pass DKIM authentication. Gmail requires bulk email senders to authenticate their email with DKIM. Authentication results: DKIM = did not pass - gsmtp",
        'authentication-policy',
        'soft',
      ],
      [
        'data',
        "550 5.7.40 Your message was blocked because the sending domain doesn't have a DMARC record or the DMARC record doesn't specify a DMARC policy. - gsmtp",
        'authentication-policy',
        'soft',
      ],
    ],
  },
  {
    provider: 'Microsoft Exchange Online / Microsoft 365',
    sources: [
      'https://learn.microsoft.com/en-us/troubleshoot/exchange/email-delivery/ndr/non-delivery-reports-in-exchange-online',
      'https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/non-delivery-reports-in-exchange-online/fix-error-code-5-7-700-through-5-7-750',
      'https://www.spamresource.com/2023/09/microsoft-multiple-types-of-invalid.html',
      'https://smtp.codes/exchangeonline',
    ],
    rows: [
      ['rcpt', '432 4.3.2 STOREDRV.Deliver; recipient thread limit exceeded', 'rate-limited', 'soft'],
      [
        'connect',
        '421 4.3.2 The maximum number of concurrent connections per resource forest has exceeded a limit, closing transmission channel. PRX8 [BN8NAM12FT001.eop-nam12.prod.protection.outlook.com]',
        'rate-limited',
        'soft',
      ],
      ['connect', '451 4.4.316 Connection refused [Message=Socket error code 10061] [Last attempted IP address: 192.0.2.1:25]', 'connection-failure', 'soft'],
      [
        'rcpt',
        '451 4.7.500 Server busy. Please try again later from [192.0.2.1]. (AS77712344) [BN8NAM12FT001.eop-nam12.prod.protection.outlook.com]',
        ['rate-limited', 'server-busy'],
        'soft',
      ],
      // The catalogue gives no more than the words: a temporary error of the server, busy or failing.
      [
        'data',
        '451 4.7.0 Temporary server error. Please try again later. PRX4 NextHop: example-com.mail.protection.outlook.com',
        ['server-busy', 'system-error'],
        'soft',
      ],
      ['mail', '550 5.1.0 Sender denied', 'policy', 'soft'],
      ['rcpt', '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found', 'mailbox-unknown', 'hard'],
      ['mail', '550 5.1.8 Access denied, bad outbound sender AS(42004)', ['policy', 'reputation-or-blocklist'], 'soft'],
      ['rcpt', '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient jane@example.com not found by SMTP address lookup', 'mailbox-unknown', 'hard'],
      [
        'rcpt',
        '550 5.4.1 Recipient address rejected: Access denied. AS(201806281) [BN8NAM12FT001.eop-nam12.prod.protection.outlook.com]',
        'mailbox-unknown',
        'hard',
      ],
      ['mail', '554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException.MapiExceptionShutoffQuotaExceeded', 'mailbox-full', 'soft'],
      ['mail', '550 5.2.2 Submission quota exceeded', 'rate-limited', 'soft'],
      ['data', '554 5.4.14 Hop count exceeded - possible mail loop ATTR34', 'system-error', 'soft'],
      ['data', '554 5.4.6 Routing loop detected', 'system-error', 'soft'],
      ['data', '550 5.4.300 Message expired', 'expired', 'soft'],
      [
        'rcpt',
        '550 5.4.310 DNS domain example.invalid does not exist [Message=InfoDomainNonexistent] [LastAttemptedServerName=example.invalid]',
        'domain-unknown',
        'hard',
      ],
      ['data', '550 5.7.1 Delivery not authorized, message refused', 'policy', 'soft'],
      ['rcpt', '550 5.7.1 RESOLVER.RST.AuthRequired; authentication required', 'policy', 'soft'],
      ['rcpt', '550 5.7.12 Sender was not authenticated by organization', 'policy', 'soft'],
      ['data', '550 5.7.23 The message was rejected because of Sender Policy Framework violation', 'authentication-policy', 'soft'],
      ['mail', '530 5.7.57 Client not authenticated to send mail during MAIL FROM', 'policy', 'soft'],
      ['rcpt', '550 5.7.64 TenantAttribution; Relay Access Denied', 'relay-denied', 'soft'],
      ['rcpt', '550 5.7.124 Sender not in allowed-senders list', 'policy', 'soft'],
      [
        'rcpt',
        '550 5.7.133 RESOLVER.RST.SenderNotAuthenticatedForGroup; authentication required; Delivery restriction check failed as sender not authenticated',
        'policy',
        'soft',
      ],
      [
        'rcpt',
        '550 5.7.134 RESOLVER.RST.SenderNotAuthenticatedForMailbox; authentication required; Delivery restriction check failed as sender not authenticated',
        'policy',
        'soft',
      ],
      [
        'rcpt',
        '550 5.7.135 RESOLVER.RST.SenderNotAuthenticatedForPublicFolder; authentication required; Delivery restriction check failed as sender not authenticated',
        'policy',
        'soft',
      ],
      [
        'rcpt',
        '550 5.7.136 RESOLVER.RST.SenderNotAuthenticatedForMailUser; authentication required; Delivery restriction check failed as sender not authenticated',
        'policy',
        'soft',
      ],
      ['mail', '550 5.7.501 Access denied, spam abuse detected. AS(7000)', 'reputation-or-blocklist', 'soft'],
      ['mail', '550 5.7.506 Access Denied, Bad HELO', 'protocol-error', 'soft'],
      ['rcpt', '550 5.7.507 Access denied, rejected by recipient', 'policy', 'soft'],
      ['mail', '550 5.7.508 Access denied, 192.0.2.1 has exceeded permitted limits within 192.0.2.0/24 range', 'rate-limited', 'soft'],
      [
        'data',
        '550 5.7.509 Access denied, sending domain example.com does not pass DMARC verification and has a DMARC policy of reject.',
        'authentication-policy',
        'soft',
      ],
      [
        'mail',
        '550 5.7.511 Access denied, banned sender[192.0.2.1]. To request removal from this list please forward this message to delist@microsoft.com. AS(5100)',
        'reputation-or-blocklist',
        'soft',
      ],
      ['data', '550 5.7.512 Access denied, message must be RFC 5322 section 3.6.2 compliant', 'protocol-error', 'soft'],
      [
        'connect',
        '550 5.7.513 Service unavailable, Client host [192.0.2.1] blocked by example.com using Customer Block list (AS16012607)',
        ['reputation-or-blocklist', 'policy'],
        'soft',
      ],
      ['data', '550 5.7.515 Access denied, sending domain example.com does not meet the required authentication level.', 'authentication-policy', 'soft'],
      [
        'mail',
        '550 5.7.606 Access denied, banned sending IP [192.0.2.1]. To request removal from this list please visit https://sender.office.com/ and follow the directions. (AS16012609)',
        'reputation-or-blocklist',
        'soft',
      ],
      [
        'rcpt',
        "550 5.7.703 Your message can't be delivered because messages to jane@example.com are blocked by your organization using Tenant Allow Block List.",
        'policy',
        'soft',
      ],
      ['mail', '550 5.7.705 Access denied, tenant has exceeded threshold', ['reputation-or-blocklist', 'rate-limited'], 'soft'],
      [
        'mail',
        '550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP. For more information please go to https://go.microsoft.com/fwlink/?LinkID=526655 AS(7171)',
        'reputation-or-blocklist',
        'soft',
      ],
      ['mail', '550 5.7.750 Service unavailable. Client blocked from sending from unregistered domains.', 'policy', 'soft'],
      [
        'connect',
        '550 5.7.1 Service unavailable, Client host [192.0.2.1] blocked using Spamhaus. To request removal from this list see https://www.spamhaus.org/query/ip/192.0.2.1 (AS16012611)',
        'reputation-or-blocklist',
        'soft',
      ],
      [
        'ehlo',
        '550 5.7.1 Service unavailable, Helo domain is listed in Spamhaus. To request removal from this list see https://www.spamhaus.org/query/dbl?domain=example.com (S8001)',
        'reputation-or-blocklist',
        'soft',
      ],
    ],
  },
  {
    provider: 'Outlook.com / Hotmail (consumer)',
    sources: [
      'https://www.spamresource.com/2023/09/microsoft-multiple-types-of-invalid.html',
      'https://www.knownhost.com/wiki/email/troubleshooting/hotmail-blacklisting-removal-request',
      'https://support.binarylane.com.au/support/solutions/articles/11000047583-emails-to-hotmail-and-outlook-are-blocked',
    ],
    rows: [
      // Outlook.com's own unknown user: RFC 5321's stock text with its id (S2017062302).
      [
        'rcpt',
        '550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302). [DB5EUR03FT001.eop-EUR03.prod.protection.outlook.com 2023-09-19T15:05:34.324Z 08DBB71928CA8F8E]',
        'mailbox-unknown',
        'hard',
      ],
      [
        'mail',
        "550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors. [DB5EUR03FT001.eop-EUR03.prod.protection.outlook.com]",
        'reputation-or-blocklist',
        'soft',
      ],
      [
        'mail',
        "550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3140). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors.",
        'reputation-or-blocklist',
        'soft',
      ],
      [
        'mail',
        "550 SC-001 (BAY004-MC4F49) Unfortunately, messages from 192.0.2.1 weren't sent. Please contact your Internet service provider since part of their network is on our block list. You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors.",
        'reputation-or-blocklist',
        'soft',
      ],
      [
        'mail',
        '550 SC-004 Mail rejected by Outlook.com for policy reasons. A block has been placed against your IP address because we have received complaints concerning mail coming from that IP address. If you are not an email/network admin please contact your Email/Internet Service Provider for help.',
        'reputation-or-blocklist',
        'soft',
      ],
      [
        'mail',
        '421 4.7.650 The mail server [192.0.2.1] has been temporarily rate limited due to IP reputation. For e-mail delivery information, see https://postmaster.live.com (S775) [Name=Protocol Filter Agent][AGT=PFA]',
        'reputation-or-blocklist',
        'soft',
      ],
      [
        'rcpt',
        '550 5.7.520 Access denied, Your organization does not allow external forwarding. Please contact your administrator for further assistance. AS(7555)',
        'policy',
        'soft',
      ],
    ],
  },
  {
    provider: 'Yahoo / AOL / Verizon',
    sources: [
      'https://senders.yahooinc.com/smtp-error-codes',
      'https://smtp.codes/yahoo',
      'https://smtpfieldmanual.com/provider/yahoo/421/4.7.0',
      'https://help.yahoo.com/kb/SLN3436.html',
    ],
    rows: [
      ['connect', '421 Service not available, closing transmission channel', 'server-busy', 'soft'],
      ['mail', '421 Max message per connection reached, closing transmission channel', 'rate-limited', 'soft'],
      [
        'mail',
        '421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes',
        'reputation-or-blocklist',
        'soft',
      ],
      [
        'mail',
        '421 4.7.0 [TS02] Messages from 192.0.2.1 temporarily deferred due to user complaints - 4.16.55.1; see https://help.yahoo.com/kb/postmaster/SLN3434.html',
        'reputation-or-blocklist',
        'soft',
      ],
      [
        'connect',
        '421 4.7.1 [TS03] All messages from 192.0.2.1 will be permanently deferred; Retrying will NOT succeed. See https://help.yahoo.com/kb/postmaster/SLN3436.html',
        'reputation-or-blocklist',
        'soft',
      ],
      ['rcpt', '450 User is receiving mail too quickly', 'rate-limited', 'soft'],
      ['connect', '451 Resources temporarily unavailable. Please try again later [#4.16.1].', 'server-busy', 'soft'],
      ['data', '451 4.3.2 Internal server error', ['server-busy', 'system-error'], 'soft'],
      [
        'rcpt',
        "554 delivery error: dd This user doesn't have a yahoo.com account (jane@yahoo.com) [-5] - mta1000.mail.example.yahoo.com",
        'mailbox-unknown',
        'hard',
      ],
      [
        'rcpt',
        '554 delivery error: dd Sorry your message to jane@yahoo.com cannot be delivered. This account has been disabled or discontinued [#102]. - mta1000.mail.example.yahoo.com',
        'mailbox-disabled',
        'soft',
      ],
      ['data', '552 1 Requested mail action aborted, mailbox not found', 'mailbox-unknown', 'hard'],
      [
        'connect',
        "553 5.7.1 [BL21] Connections will not be accepted from 192.0.2.1, because the ip is in Spamhaus's list; see https://postmaster.yahooinc.com/error-codes",
        'reputation-or-blocklist',
        'soft',
      ],
      [
        'connect',
        '553 5.7.2 [TSS09] All messages from 192.0.2.1 will be permanently deferred; Retrying will NOT succeed. See https://postmaster.yahooinc.com/error-codes',
        'reputation-or-blocklist',
        'soft',
      ],
      ['data', '554 5.7.9 Message not accepted for policy reasons. See https://postmaster.yahooinc.com/error-codes', ['policy', 'content-or-spam'], 'soft'],
      [
        'data',
        '550 5.7.9 This mail has been blocked because the sender is unauthenticated. Yahoo requires all senders to authenticate with either SPF or DKIM.',
        'authentication-policy',
        'soft',
      ],
      [
        'data',
        '554 5.7.9 Message not accepted for policy reasons - DMARC policy of example.com: reject. See https://postmaster.yahooinc.com/error-codes',
        'authentication-policy',
        'soft',
      ],
      ['mail', '501 Syntax error in parameters or arguments', 'protocol-error', 'soft'],
    ],
  },
  {
    provider: 'Apple iCloud Mail',
    sources: [
      'https://smtp.codes/icloud',
      'https://bentonow.com/smtp-errors/apple/550-5-1-1-inactive-account',
      'https://support.apple.com/guide/icloud/stop-using-or-reactivate-addresses-mm3adb030cbf/icloud',
      'https://status.socketlabs.com/incident/306',
      'https://support.apple.com/en-us/102322',
    ],
    rows: [
      [
        'rcpt',
        '421 4.7.1 Messages to jane@icloud.com deferred due to excessive volume. Try again later - https://support.apple.com/en-us/HT204137',
        'rate-limited',
        'soft',
      ],
      ['connect', '451 4.7.1 Service unavailable - try again later', 'server-busy', 'soft'],
      ['rcpt', '550 5.1.1 <jane@icloud.com>: user does not exist', 'mailbox-unknown', 'hard'],
      ['rcpt', '550 5.1.1 unknown or illegal alias: jane@icloud.com', 'mailbox-unknown', 'hard'],
      // iCloud lets users deactivate an address and reactivate it later (Apple's Hide My Email help): soft, despite
      // 5.1.1. Sisimai's Rhost::Apple counts it as an unknown user; Apple's own page decides here.
      ['rcpt', '550 5.1.1 <jane@icloud.com>: inactive email address', 'mailbox-disabled', 'soft'],
      // Said by iCloud during its April 2021 outage for existing users (SocketLabs' incident report): soft.
      ['rcpt', '550 5.1.1 <jane@icloud.com>: user lookup success but no user record found.', 'system-error', 'soft'],
      ['data', '550 5.7.1 [CS01] Message rejected due to local policy. Please visit https://support.apple.com/en-us/HT204137', 'policy', 'soft'],
      ['data', '554 5.7.1 [HM08] Message rejected due to local policy. Please visit https://support.apple.com/en-us/HT204137', 'policy', 'soft'],
      [
        'data',
        '550 5.7.1 Your message was rejected due to example.com DMARC policy. Please visit https://support.apple.com/en-us/HT204137',
        'authentication-policy',
        'soft',
      ],
      [
        'data',
        '550 5.7.1 Your email was rejected due to having a domain present in the Spamhaus DBL -- see https://www.spamhaus.org/dbl/',
        ['content-or-spam', 'reputation-or-blocklist'],
        'soft',
      ],
      ['rcpt', '552 5.2.2 <jane@icloud.com>: user is over quota', 'mailbox-full', 'soft'],
      ['connect', '554 5.7.0 Blocked - see https://ipcheck.proofpoint.com/?ip=192.0.2.1', 'reputation-or-blocklist', 'soft'],
    ],
  },
  {
    provider: 'Comcast / AT&T / GoDaddy / Rackspace (US ISPs and hosts)',
    sources: [
      'http://postmaster.comcast.net/mail-error-codes.html',
      'https://www.xfinity.com/support/articles/email-errors',
      'http://worldnet.att.net/general-info/mail_info/block_enduser.html',
      'https://smtp.codes/att',
      'https://smtp.codes/godaddy',
    ],
    rows: [
      ['rcpt', '550 5.1.1 <jane@comcast.net> Not our Customer', 'mailbox-unknown', 'hard'],
      [
        'connect',
        '554 resimta-po-01v.sys.comcast.net comcast 192.0.2.1 found on one or more DNSBLs, see http://postmaster.comcast.net/smtp-error-codes.php#BL000010',
        'reputation-or-blocklist',
        'soft',
      ],
      [
        'connect',
        '554 resimta-po-01v.sys.comcast.net comcast 192.0.2.1 Comcast block for spam. Please see http://postmaster.comcast.net/smtp-error-codes.php#BL000000',
        'reputation-or-blocklist',
        'soft',
      ],
      ['connect', '421 resimta-po-01v.sys.comcast.net comcast 192.0.2.1 Too many sessions opened', 'rate-limited', 'soft'],
      ['connect', '421 resimta-po-01v.sys.comcast.net comcast 192.0.2.1 Reverse DNS failure : Try again later', 'authentication-policy', 'soft'],
      [
        'connect',
        '554 resimta-po-01v.sys.comcast.net comcast 192.0.2.1 Dynamic/Residential IP range listed by Spamhaus, see http://postmaster.comcast.net/smtp-error-codes.php#ES000010',
        'reputation-or-blocklist',
        'soft',
      ],
      [
        'mail',
        '550 5.7.1 Connections not accepted from servers without a valid sender domain.flph840 Fix reverse DNS for 192.0.2.1',
        'authentication-policy',
        'soft',
      ],
      [
        'connect',
        '553 5.3.0 flpd575 DNSBL:RBL 521< 192.0.2.1 >_is_blocked.For assistance forward this error to abuse_rbl@abuse-att.net',
        'reputation-or-blocklist',
        'soft',
      ],
      ['connect', '550 Error. Blocked for abuse', 'reputation-or-blocklist', 'soft'],
      ['rcpt', '550 5.1.1 <jane@example.com> Recipient not found. <http://x.co/irbounce>', 'mailbox-unknown', 'hard'],
      [
        'connect',
        '554 p3plibsmtp01-01.prod.phx3.secureserver.net bizsmtp IB212 Connection refused, 192.0.2.1 is listed on the block list. See x.co/rblbounce',
        'reputation-or-blocklist',
        'soft',
      ],
      // GoDaddy puts its hourly limit behind 5.1.1: the documented meaning (a rate) decides.
      ['rcpt', '550 5.1.1 <jane@example.com> 192.0.2.1 has sent to too many recipients this hour. IB607', 'rate-limited', 'soft'],
      ['rcpt', '550 5.1.1 <jane@example.com>: Recipient address rejected: User unknown', 'mailbox-unknown', 'hard'],
    ],
  },
  {
    provider: 'European providers (GMX, Web.de, Orange, Free, Mail.ru, Yandex)',
    sources: [
      'https://smtp.codes/unitedinternet/',
      'https://postmaster.gmx.com/en/error-messages',
      'http://www.sitepackage.de/service/dokumentation/auswertung/typische-fehlermeldungen-bei-unzustellbarkeit.html',
      'https://yandex.com/support/mail/bounces/yandex/message-rejected-under-suspicion-of-spam.html',
      'https://smtp.codes/orange',
      'https://smtp.codes/mailru',
    ],
    rows: [
      ['rcpt', '550 <jane@gmx.de>: Requested action not taken: mailbox unavailable', 'mailbox-unknown', 'hard'],
      [
        'data',
        '550 <jane@gmx.de>: Reject due to SPF policy. The originating IP of the message is not permitted by the domain owner',
        'authentication-policy',
        'soft',
      ],
      [
        'connect',
        '554-gmx.net (mxgmx104) Nemesis ESMTP Service not available\n554-No SMTP service\n554-IP address is block listed.\n554 For explanation visit https://postmaster.gmx.net/en/case?c=r0201&i=ip&v=192.0.2.1&r=1MNcgj-1ue23t3pyV-00S2YR',
        'reputation-or-blocklist',
        'soft',
      ],
      ['rcpt', '550 5.1.1 <jane@gmx.de>... User is unknown', 'mailbox-unknown', 'hard'],
      ['rcpt', '550 5.2.1 <jane@gmx.de>... User is inactive', 'mailbox-disabled', 'soft'],
      ['rcpt', '550 Benutzer hat das Speichervolumen ueberschritten. / User has exhausted allowed storage space.', 'mailbox-full', 'soft'],
      ['rcpt', '550 Benutzer hat zuviele Mails auf dem Server. / User has too many messages on the server.', 'mailbox-full', 'soft'],
      ['rcpt', '550 Benutzer nicht bekannt/User unknown', 'mailbox-unknown', 'hard'],
      ['rcpt', '550 5.1.1 <jane@orange.fr>: Adresse d au moins un destinataire invalide. Invalid recipient. OFR_416 [416]', 'mailbox-unknown', 'hard'],
      ['rcpt', '552 5.1.1 <jane@orange.fr>: Boite du destinataire pleine. Recipient mailbox full. OFR_417 [417]', 'mailbox-full', 'soft'],
      ['connect', '550 5.7.1 Service refuse. Veuillez essayer plus tard. Service refused, please try later. OFR_999 [999]', 'reputation-or-blocklist', 'soft'],
      [
        'connect',
        '421 mwinf5c00 ME Trop de connexions, veuillez verifier votre configuration. Too many connections, slow down. OFR005_104 [104]',
        'rate-limited',
        'soft',
      ],
      ['connect', '421 Too many spams from your IP (192.0.2.1), please visit http://postmaster.free.fr/', 'reputation-or-blocklist', 'soft'],
      ['data', '554 5.7.1 Message rejected under suspicion of SPAM; https://ya.cc/1IrBc 1a2b3c4d5e-f6g7h8i9', 'content-or-spam', 'soft'],
      [
        'rcpt',
        '554 5.7.1 Client host [192.0.2.1] blocked using spamsource.mail.yandex.net; Blocked by spam statistics - see http://feedback.yandex.ru/?from=mail-rejects&subject=192.0.2.1',
        'reputation-or-blocklist',
        'soft',
      ],
      ['rcpt', '550 5.7.1 No such user!', 'mailbox-unknown', 'hard'],
      ['rcpt', '550 Message was not accepted -- invalid mailbox. Local mailbox jane@mail.ru is unavailable: user not found', 'mailbox-unknown', 'hard'],
      ['rcpt', '550 Message was not accepted -- invalid mailbox. Local mailbox jane@mail.ru is unavailable: account is disabled', 'mailbox-disabled', 'soft'],
      [
        'data',
        '550 spam message rejected. Please visit http://help.mail.ru/notspam-support/id?c=AbCdEf or report details to abuse@corp.mail.ru. Error code: 1A2B3C. ID: 4D5E6F.',
        'content-or-spam',
        'soft',
      ],
      ['rcpt', '451 Ratelimit exceeded for mailbox jane@mail.ru. Try again later.', 'rate-limited', 'soft'],
    ],
  },
  {
    provider: 'Asian providers and others (QQ, Zoho, ProtonMail)',
    sources: ['https://service.mail.qq.com/detail/122/', 'https://smtp.codes/qq', 'https://smtp.codes/zoho', 'https://smtp.codes/protonmail'],
    rows: [
      ['rcpt', '550 Mailbox not found. http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=20022&&no=1000728', 'mailbox-unknown', 'hard'],
      [
        'rcpt',
        '550 Mailbox unavailable or access denied [MMdaZ0AvBbTf9mEgDhrVZzAA== IP: 192.0.2.1]. http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=20022&&no=1000726',
        'rate-limited',
        'soft',
      ],
      ['connect', '550 Ip frequency limited. http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=20022&&no=1000725', 'rate-limited', 'soft'],
      ['connect', '550 Connection frequency limited. http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=20022&&no=1000722', 'rate-limited', 'soft'],
      ['data', '550 Mail content denied. http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=20022&&no=1000726', 'content-or-spam', 'soft'],
      ['rcpt', '550 5.1.1 User does not exist - <jane@zoho.com>', 'mailbox-unknown', 'hard'],
      ['rcpt', '552 5.2.2 Mailbox size limit exceeded', 'mailbox-full', 'soft'],
      ['rcpt', '550 5.1.1 Address does not exist', 'mailbox-unknown', 'hard'],
    ],
  },
  {
    provider: 'Filters: Barracuda, Cisco IronPort, Mimecast, Proofpoint, Trend Micro, Symantec/Broadcom',
    sources: [
      'http://tig.csail.mit.edu/wiki/TIG/EmailBlockedByBarracuda',
      'https://www.suped.com/email-deliverability/answers/what-causes-bounces-from-barracuda-based-domains-and-how-to-resolve-them',
      'https://community.mimecast.com/s/article/Mimecast-SMTP-Error-Codes-842605754',
      'https://mimecastsupport.zendesk.com/hc/en-us/articles/34000709564691-Policies-Mimecast-SMTP-Error-Codes',
      'https://smtp.codes/proofpoint',
      'https://success.trendmicro.com/solution/1097055-frequently-asked-questions-faqs-about-messages-blocked-by-email-reputation-services-ers',
      'https://knowledge.broadcom.com/external/article/169925/common-external-spam-filtering-error-cod.html',
      'https://knowledge.broadcom.com/external/article/161393/rejection-errors-when-delivering-to-3rd.html',
    ],
    rows: [
      [
        'data',
        '554 Service unavailable; Client host [192.0.2.1] blocked using Barracuda Reputation; http://bbl.barracudacentral.com/q.cgi?ip=192.0.2.1',
        'reputation-or-blocklist',
        'soft',
      ],
      // Barracuda's "recipient result: blocked": a policy of the recipient's gateway, not the address.
      ['data', '550 permanent failure for one or more recipients (jane@example.com:blocked)', 'policy', 'soft'],
      [
        'data',
        '550 permanent failure for one or more recipients (jane@example.com:550 5.1.1 <jane@example.com>: Recipient address rejected: User unknown in virtual mailbox table)',
        'mailbox-unknown',
        'hard',
      ],
      ['rcpt', '550 No such user (jane@example.com)', 'mailbox-unknown', 'hard'],
      [
        'connect',
        "554 Your access to this mail system has been rejected due to the sending MTA's poor reputation. If you believe that this failure is in error, please contact the intended recipient via alternate means.",
        'reputation-or-blocklist',
        'soft',
      ],
      ['rcpt', '550 #5.1.0 Address rejected jane@example.com', 'mailbox-unknown', 'hard'],
      ['mail', '553 #5.1.8 Domain of sender address <bob@example.invalid> does not exist', 'policy', 'soft'],
      ['rcpt', '452 Too many recipients received this hour', 'rate-limited', 'soft'],
      ['rcpt', '550 Invalid Recipient - https://community.mimecast.com/docs/DOC-1369#550 [a1B2c3D4e5F6g7H8i9J0kL.us1]', 'mailbox-unknown', 'hard'],
      ['rcpt', '550 Administrative prohibition - envelope blocked - https://community.mimecast.com/docs/DOC-1369#550', 'policy', 'soft'],
      [
        'data',
        '550 Rejected by header based Blocked Senders - block policy for Header From - https://community.mimecast.com/docs/DOC-1369#550',
        'policy',
        'soft',
      ],
      ['data', '554 Email rejected due to security policies - https://community.mimecast.com/docs/DOC-1369#554', 'content-or-spam', 'soft'],
      ['rcpt', '550 Anti-Spoofing policy - Inbound not allowed - https://community.mimecast.com/docs/DOC-1369#550', 'authentication-policy', 'soft'],
      ['data', '550 DMARC Sender Invalid - envelope rejected - https://community.mimecast.com/docs/DOC-1369#550', 'authentication-policy', 'soft'],
      ['connect', '550 Local CT IP Reputation - (reject) - https://community.mimecast.com/docs/DOC-1369#550', 'reputation-or-blocklist', 'soft'],
      ['rcpt', '451 Internal resource temporarily unavailable - https://community.mimecast.com/docs/DOC-1369#451', ['greylisted', 'server-busy'], 'soft'],
      ['connect', '421 Sender address blocked - https://community.mimecast.com/docs/DOC-1369#421', 'policy', 'soft'],
      ['connect', '554 5.7.0 Blocked - see https://ipcheck.proofpoint.com/?ip=192.0.2.1', 'reputation-or-blocklist', 'soft'],
      ['rcpt', '550 5.1.1 User Unknown', 'mailbox-unknown', 'hard'],
      [
        'connect',
        '550 Service unavailable; Client host [192.0.2.1] blocked using Trend Micro RBL+. Please see http://www.mail-abuse.com/cgi-bin/lookup?ip_address=192.0.2.1',
        'reputation-or-blocklist',
        'soft',
      ],
      [
        'connect',
        '550 Mail from 192.0.2.1 refused by rbl-plus.mail-abuse.org. Please refer to http://mail-abuse.com/rbl for an explanation',
        'reputation-or-blocklist',
        'soft',
      ],
      [
        'connect',
        '450 4.7.1 Mail from 192.0.2.1 deferred using Trend Micro Email Reputation database. Please see http://www.mail-abuse.com/cgi-bin/lookup?192.0.2.1',
        'reputation-or-blocklist',
        'soft',
      ],
      ['data', '550 5.7.1 Message rejected as spam by Content Filtering', 'content-or-spam', 'soft'],
      ['data', '554 Rejected due to spam content', 'content-or-spam', 'soft'],
      ['data', '554 Rejected due to banned content', ['content-or-spam', 'virus'], 'soft'],
      ['data', '550 Message contained unsafe content (Heuristics.Phishing.Email.SpoofedDomain)', ['virus', 'content-or-spam'], 'soft'],
      ['rcpt', '550 Denied by policy', 'policy', 'soft'],
      ['rcpt', '553 Relay denied', 'relay-denied', 'soft'],
      ['data', '554 Too many Received: headers', 'system-error', 'soft'],
      ['mail', '550 Message rejected due to sender IP reputation ([192.0.2.1])', 'reputation-or-blocklist', 'soft'],
      ['rcpt', '550 5.7.1 Recipient not authorized, your IP has been found on a block list', 'reputation-or-blocklist', 'soft'],
      ['mail', "551 Sender is on domain's blacklist", ['policy', 'reputation-or-blocklist'], 'soft'],
      ['connect', '550 5.7.1 Rejecting mail, 192.0.2.1 is blacklisted', 'reputation-or-blocklist', 'soft'],
      ['rcpt', '550 unknown user', 'mailbox-unknown', 'hard'],
    ],
  },
  {
    provider: 'Rackspace, GoDaddy, Barracuda and Symantec/Broadcom catalogues (second batch)',
    sources: [
      'https://smtp.codes/rackspace',
      'https://smtp.codes/421',
      'https://www.godaddy.com/help/fix-rejected-email-with-a-bounce-error-40685',
      'https://knowledge.broadcom.com/external/article/162445/outbound-mail-returned-by-mailerdaemonme.html',
      'https://help.returnpath.com/hc/en-us/articles/220565487-Block-bounce-code-examples',
    ],
    rows: [
      ['connect', '421 Too many concurrent connections from this client (G2)', 'rate-limited', 'soft'],
      ['connect', '450 4.7.1 Client host 192.0.2.1 has no PTR record (G1F)', 'authentication-policy', 'soft'],
      [
        'rcpt',
        "450 4.4.1 <jane@example.com>: The recipient's server was temporarily unavailable to accept your message (G6)",
        ['server-busy', 'connection-failure'],
        'soft',
      ],
      ['rcpt', '450 4.2.1 <jane@example.com>: Mailbox received too much email in a short period of time (G30)', 'rate-limited', 'soft'],
      ['data', '450 4.4.6 Routing loop detected (G16)', 'system-error', 'soft'],
      ['data', '450 4.4.0 <bob@example.com> Temporary DMARC DNS lookup failure (G1E)', ['authentication-policy', 'dns-failure'], 'soft'],
      ['mail', '451 4.7.1 Received too many messages from a new or untrusted IP (G28)', 'rate-limited', 'soft'],
      ['connect', '421 Connection refused, too many sessions from 192.0.2.1. Please lower the number of concurrent sessions. IB007', 'rate-limited', 'soft'],
      ['connect', '421 Server temporarily unavailable. Try again later. IB101', 'server-busy', 'soft'],
      ['connect', '421 Temporarily rejected. Reverse DNS for 192.0.2.1 failed. IB108', 'authentication-policy', 'soft'],
      ['rcpt', '550 Recipient not found', 'mailbox-unknown', 'hard'],
      ['data', '552 Message rejected for spam or virus content', ['content-or-spam', 'virus'], 'soft'],
      ['data', 'This message is looping: it already has my Delivered-To line. (#5.4.6)', 'system-error', 'soft'],
      ['connect', '421 Temporary failure, please try again later.', 'server-busy', 'soft'],
      ['connect', '421 Service Temporarily Unavailable', 'server-busy', 'soft'],
      ['data', '552 5.3.4 Message size exceeds fixed maximum message size', 'message-too-large', 'soft'],
      ['rcpt', '552 Mailbox is full', 'mailbox-full', 'soft'],
      ['rcpt', '552 Requested mail action aborted: exceeded storage allocation', 'mailbox-full', 'soft'],
      ['rcpt', '554 5.7.1 Recipient address rejected: No such user', 'mailbox-unknown', 'hard'],
      ['rcpt', '550 5.7.1 Unable to Relay', 'relay-denied', 'soft'],
      ['data', '554 Denied (Mode: normal)', ['policy', 'content-or-spam'], 'soft'],
      ['data', '552 MS-Office file containing VBA macros found inside of the email', ['virus', 'content-or-spam'], 'soft'],
      ['data', '550 5.7.1 Message rejected due to content restrictions', 'content-or-spam', 'soft'],
      ['mail', '554 5.1.0 Sender denied', 'policy', 'soft'],
      ['mail', '553 Envelope sender rejected', 'policy', 'soft'],
      [
        'data',
        '554 Message not allowed - [PH01] Email not accepted for policy reasons. Please visit https://postmaster.yahooinc.com/error-codes [120]',
        ['policy', 'content-or-spam'],
        'soft',
      ],
      [
        'mail',
        "550 DY-001 (COL004-MC1F23) Unfortunately, messages from 192.0.2.1 weren't sent. We do not accept email from dynamic IP's. You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors.",
        'reputation-or-blocklist',
        'soft',
      ],
      [
        'mail',
        "550 OU-002 (SNT004-MC3F7) Unfortunately, messages from 192.0.2.1 weren't sent. Please contact your Internet service provider. You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors.",
        'reputation-or-blocklist',
        'soft',
      ],
    ],
  },
  {
    provider: 'Microsoft Exchange Server and Exchange Online: the rest of the documented NDR list',
    sources: [
      'https://learn.microsoft.com/en-us/troubleshoot/exchange/email-delivery/ndr/non-delivery-reports-in-exchange-online',
      'https://learn.microsoft.com/en-us/exchange/mail-flow/non-delivery-reports-and-bounce-messages/non-delivery-reports-and-bounce-messages',
      'https://relaymetry.com/outlook-5-7-800-domain-banned',
    ],
    rows: [
      ['mail', "550 5.1.90 Your message can't be sent because you've reached your daily limit for message recipients", 'rate-limited', 'soft'],
      ['rcpt', "550 5.2.121 Recipient's per hour message receive limit from specific sender exceeded", 'rate-limited', 'soft'],
      ['rcpt', "550 5.2.122 Recipient's per hour message receive limit exceeded", 'rate-limited', 'soft'],
      ['rcpt', '452 4.5.3 Too many recipients', 'rate-limited', 'soft'],
      ['rcpt', '550 5.5.3 Too many recipients', 'rate-limited', 'soft'],
      ['rcpt', '550 5.1.1 RESOLVER.ADR.ExRecipNotFound; not found', 'mailbox-unknown', 'hard'],
      ['rcpt', '550 5.1.1 User unknown', 'mailbox-unknown', 'hard'],
      ['rcpt', '550 5.1.3 STOREDRV.Submit; invalid recipient address', 'mailbox-unknown', 'hard'],
      ['rcpt', '501 5.1.4 Recipient address reserved by RFC 2606', 'domain-unknown', 'hard'],
      // Microsoft: 5.7.504 means the recipient address isn't valid, as 5.4.1 with the same words does.
      ['rcpt', '550 5.7.504 Recipient address rejected: Access denied', 'mailbox-unknown', 'hard'],
      ['data', '550 5.2.3 RESOLVER.RST.RecipSizeLimit; message too large for this recipient', 'message-too-large', 'soft'],
      ['data', '552 5.3.4 Message too big for system', 'message-too-large', 'soft'],
      ['rcpt', '550 5.2.14 Misconfigured forwarding address', 'system-error', 'soft'],
      ['data', '550 5.2.4 Mailing list expansion problem', 'system-error', 'soft'],
      ['data', '550 5.3.5 System incorrectly configured', 'system-error', 'soft'],
      ['connect', '421 4.3.2 Service not available', 'server-busy', 'soft'],
      ['connect', '421 4.3.2 System not accepting network messages', 'server-busy', 'soft'],
      ['data', '452 4.3.1 Insufficient system resources', 'server-busy', 'soft'],
      ['rcpt', '550 5.4.4 SMTPSEND.DNS.NonExistentDomain; nonexistent domain', 'domain-unknown', 'hard'],
      ['data', '554 5.4.6 Hop count exceeded - possible mail loop', 'system-error', 'soft'],
      [
        'data',
        '550 5.6.11 SMTPSEND.BareLinefeedsAreIllegal; message contains bare linefeeds, which cannot be sent via DATA and receiving system does not support BDAT',
        'protocol-error',
        'soft',
      ],
      ['mail', '550 5.7.3 Cannot achieve Exchange Server authentication', 'policy', 'soft'],
      ['mail', '451 4.4.317 Cannot connect to remote server [Message=451 5.7.3 STARTTLS is required to send mail]', 'tls-required', 'soft'],
      ['connect', '550 5.7.321 starttls-not-supported: Destination mail server must support TLS to receive mail.', 'tls-required', 'soft'],
      ['connect', "550 5.7.322 certificate-expired: Destination mail server's certificate is expired.", ['tls-required', 'connection-failure'], 'soft'],
      ['connect', '550 5.7.323 tlsa-invalid: The domain failed DANE validation.', ['tls-required', 'connection-failure'], 'soft'],
      [
        'data',
        '451 4.7.26 Access denied, a message sent over IPv6 [2001:db8::1] must pass either SPF or DKIM validation, this message is not signed',
        'authentication-policy',
        'soft',
      ],
      ['mail', '550 5.7.25 Access denied, the sending IPv6 address [2001:db8::1] must have a reverse DNS record', 'authentication-policy', 'soft'],
      ['rcpt', '550 5.7.510 Access denied, example.com does not accept email over IPv6', 'policy', 'soft'],
      // Microsoft: suspicious activity seen from the IP, restricted for now while it is evaluated.
      ['mail', '451 4.7.850 Access denied, please try again later.', ['reputation-or-blocklist', 'rate-limited'], 'soft'],
      ['mail', '451 4.7.700 PFA agent busy, please try again. [BN8NAM12FT001.eop-nam12.prod.protection.outlook.com]', 'server-busy', 'soft'],
      ['data', '450 4.4.318 Connection was closed abruptly (SuspiciousRemoteServerError)', 'connection-failure', 'soft'],
      ['data', '550 5.4.318 Message expired, connection reset (SuspiciousRemoteServerError)', ['expired', 'connection-failure'], 'soft'],
      ['data', '550 5.0.350 Requested action not taken: policy violation detected (AS345)', 'policy', 'soft'],
      ['data', '550 5.7.900 Delivery not authorized, message refused', 'policy', 'soft'],
      ['mail', '550 5.7.800 Access denied, banned sender', 'reputation-or-blocklist', 'soft'],
      [
        'mail',
        "550 5.7.51 TenantInboundAttribution; There is a partner connector configured that matched the message's recipient domain. The partner connector requires that the sending server use RestrictDomainsToIPAddresses or RestrictDomainsToCertificate",
        'policy',
        'soft',
      ],
      ['rcpt', '550 5.2.1 Mailbox cannot be accessed', 'mailbox-disabled', 'soft'],
      ['data', '550 5.2.1 Content Filter agent quarantined this message', 'content-or-spam', 'soft'],
      ['data', '550 5.5.6 Invalid message content', 'protocol-error', 'soft'],
    ],
  },
  {
    provider: "Broadcom Email Security.cloud (MessageLabs), Zoho, and more of Yahoo's and iCloud's replies",
    sources: [
      'https://knowledge.broadcom.com/external/article/169652/email-error-and-bounce-codes-for-email-s.html',
      'https://knowledge.broadcom.com/external/article/164955',
      'https://knowledge.broadcom.com/external/article/165165',
      'https://knowledge.broadcom.com/external/article/162152',
      'https://knowledge.broadcom.com/external/article/162137',
      'https://knowledge.broadcom.com/external/article/162232',
      'https://knowledge.broadcom.com/external/article/173082',
      'https://knowledge.broadcom.com/external/article/173867',
      'https://knowledge.broadcom.com/external/article/164767',
      'https://knowledge.broadcom.com/external/article/165163',
      'https://smtpfieldmanual.com/provider/zoho',
      'https://senders.yahooinc.com/smtp-error-codes',
      'https://smtpfieldmanual.com/provider/apple',
    ],
    rows: [
      ['data', '553 DMARC domain authentication fail', 'authentication-policy', 'soft'],
      ['mail', '553-SPF (Sender Policy Framework) domain authentication fail', 'authentication-policy', 'soft'],
      [
        'connect',
        '501 Connection rejected by policy [7.7] 20805, please visit www.messagelabs.com/support for more details about this error message.',
        'reputation-or-blocklist',
        'soft',
      ],
      ['connect', '553-mail rejected because your IP is in the PBL. See http://www.spamhaus.org/pbl', 'reputation-or-blocklist', 'soft'],
      ['mail', '553 Sorry, your IP address (192.0.2.1) has been blocked', 'reputation-or-blocklist', 'soft'],
      // Broadcom: the recipient's private block list holds our address or domain.
      ['mail', '553 Sorry, your email address has been blocked', 'policy', 'soft'],
      ['mail', '553 Sorry, your domain has been blocked', 'policy', 'soft'],
      ['mail', '553-Sorry, your email address has been blacklisted', ['policy', 'reputation-or-blocklist'], 'soft'],
      [
        'mail',
        '553 sorry, your envelope sender is in my badmailfrom list. Please visit www.symanteccloud.com/troubleshooting for more details about this error message and instructions to resolve this issue. (#5.7.1)',
        'policy',
        'soft',
      ],
      ['mail', '550 sender envelope domain not allowed for sender IP address (#5.1.8)', 'policy', 'soft'],
      ['data', '553 Stray linefeeds in message (#5.6.2)', 'protocol-error', 'soft'],
      ['data', '550 [192.0.2.1] has detected that this message is not RFC 5322 compliant', 'protocol-error', 'soft'],
      ['rcpt', '451 TLS/SSLv3 Connection required. (#4.7.1)', 'tls-required', 'soft'],
      [
        'rcpt',
        '553 You are trying to use me [server-7.tower-1.messagelabs.com] as a relay, but I have not been configured to let you [192.0.2.1, bob@example.com] do this.',
        'relay-denied',
        'soft',
      ],
      ['data', '553 Message Filtered', 'content-or-spam', 'soft'],
      ['mail', '460 too many messages (#4.3.0)', 'rate-limited', 'soft'],
      ['rcpt', '550-Invalid recipient <jane@example.com>\n550 (#5.1.1)', 'mailbox-unknown', 'hard'],
      ['rcpt', '553 Recipient mailbox is not allowed', 'mailbox-unknown', 'hard'],
      ['mail', '530 Please turn on SMTP Authentication in your mail client. (#5.7.1)', 'policy', 'soft'],
      ['data', '550 5.7.1 Email rejected per DMARC policy for zoho.com', 'authentication-policy', 'soft'],
      ['rcpt', '451 4.7.1 Greylisted, try again after some time', 'greylisted', 'soft'],
      ['rcpt', '554 5.7.1 Email cannot be delivered. Reason: Email flagged as Spam.', 'content-or-spam', 'soft'],
      ['data', '554 5.7.7 Email policy violation detected', 'policy', 'soft'],
      ['data', '452 4.3.1 Temporary System Error', ['system-error', 'server-busy'], 'soft'],
      ['data', '552 5.7.1 virus Eicar-Test-Signature detected by Zoho Mail', 'virus', 'soft'],
      [
        'connect',
        '553 5.7.1 [BL23] Connections not accepted from IP addresses on Spamhaus XBL; see http://postmaster.yahoo.com/errors/550-bl23.html [550]',
        'reputation-or-blocklist',
        'soft',
      ],
      [
        'connect',
        '553 5.7.2 [TSS11] All messages from 192.0.2.1 will be permanently deferred; Retrying will NOT succeed. See https://postmaster.yahooinc.com/error-codes',
        'reputation-or-blocklist',
        'soft',
      ],
      ['rcpt', '550 relaying denied for <jane@example.com>', 'relay-denied', 'soft'],
      ['data', '554 Message not allowed - Headers are not RFC compliant[291]', 'protocol-error', 'soft'],
      ['rcpt', '554 30 Sorry, your message to jane@aol.example cannot be delivered. This mailbox is disabled (554.30)', 'mailbox-disabled', 'soft'],
      [
        'mail',
        '451 Message temporarily deferred due to unresolvable RFC.5321 from domain. See https://senders.yahooinc.com/error-codes#unresolvable-from-domain',
        'policy',
        'soft',
      ],
      [
        'data',
        '554 5.7.1 [HME1] This message was blocked for failing both SPF and DKIM authentication checks. See https://support.apple.com/en-us/HT204137 for mailing best practices',
        'authentication-policy',
        'soft',
      ],
      [
        'connect',
        '550 5.7.1 Mail from IP 192.0.2.1 was rejected due to listing in Spamhaus SBL. For details please see http://www.spamhaus.org/query/bl?ip=192.0.2.1',
        'reputation-or-blocklist',
        'soft',
      ],
      ['connect', '554 mx01.mail.icloud.example ESMTP not accepting connections', 'reputation-or-blocklist', 'soft'],
      ['rcpt', '554 5.7.1 <jane@icloud.com>: Relay access denied', 'relay-denied', 'soft'],
      ['rcpt', '550 5.1.6 recipient no longer on server: jane@icloud.com', 'mailbox-moved', 'hard'],
    ],
  },
  {
    provider: 'Vade (OXSUS codes), Yandex, Mimecast, Spambrella, Spectrum, hosting KBs (session 43)',
    sources: [
      'https://postmaster-oxsus.vadesecure.com/',
      'https://www.suped.com/knowledge/email-deliverability/troubleshooting/is-vades-use-of-550-571-a-hard-bounce-and-what-do-the-error-codes-mean',
      'https://www.yandex.com/support/mail/bounces/yandex.html',
      'https://community.mimecast.com/s/article/Mimecast-SMTP-Error-Codes-842605754',
      'https://www.spambrella.com/faq/email-delivery-error-codes/',
      'https://www.suped.com/knowledge/email-deliverability/troubleshooting/how-to-resolve-email-delivery-issues-to-charternet',
      "InMotion Hosting's '554 Email Error' article (common variations of the 554 error)",
    ],
    rows: [
      // Vade's code carries the reason; "Connection refused" is the same words for all of them, not a TCP refusal.
      ['rcpt', '550 5.7.1 Connection refused - OXSUS001_403', 'mailbox-unknown', 'hard'],
      ['connect', '550 5.7.1 Connection refused - OXSUS0001_101', 'reputation-or-blocklist', 'soft'],
      ['connect', '421 4.2.1 Connection deferred - OXSUS0001_102', 'server-busy', 'soft'],
      ['connect', '550 5.7.1 Connection refused - OXSUS0001_105', 'authentication-policy', 'soft'],
      ['connect', '421 4.2.1 Connection refused - OXSUS0001_110', 'rate-limited', 'soft'],
      ['mail', '421 4.2.1 Connection refused - OXSUS0001_140', 'rate-limited', 'soft'],
      ['rcpt', '550 5.7.1 Policy rejection on the target address', 'mailbox-disabled', 'soft'],
      ['connect', '421 Unable to process connection at this time - https://community.mimecast.com/docs/DOC-1369#421', 'server-busy', 'soft'],
      ['rcpt', '550 5.7.1 <ann@client.example>: Recipient address rejected: User email address is marked as invalid.', 'mailbox-unknown', 'hard'],
      [
        'connect',
        '421 cmsmtp 192.0.2.25 blocked. Please see https://www.spectrum.net/support/internet/understanding-email-error-codes for more information. AUP#In-1340',
        'rate-limited',
        'soft',
      ],
      ['data', '554 5.7.0 Message Size Violation', 'message-too-large', 'soft'],
    ],
  },
  {
    provider: 'Sophos Email (XGEMAIL codes), XMission',
    sources: [
      'https://docs.sophos.com/central/customer/help/en-us/ManageYourProducts/EmailSecurity/SMTPErrorCodes/index.html',
      'https://postmaster.xmission.com/senders/rejectcodes.php',
    ],
    rows: [
      // Sophos says only "Command rejected" under 5.7.1; its code carries the reason.
      ['rcpt', '550 5.7.1 XGEMAIL_0011 Command rejected', 'mailbox-unknown', 'hard'],
      ['data', '550 5.7.1 XGEMAIL_0001 Command rejected', 'authentication-policy', 'soft'],
      ['data', '550 5.7.1 XGEMAIL_0002 Command rejected', 'authentication-policy', 'soft'],
      ['data', '550 5.7.1 XGEMAIL_0003 Command rejected', 'authentication-policy', 'soft'],
      ['connect', '550 5.7.1 XGEMAIL_0004 Command rejected', 'reputation-or-blocklist', 'soft'],
      ['mail', '550 5.7.1 XGEMAIL_0005 Command rejected', 'reputation-or-blocklist', 'soft'],
      [
        'rcpt',
        '550 5.7.4 XGEMAIL_0006 Command rejected: the configured TLS version is Preferred TLS 1.3 for the recipient and the sender TLS version is not available',
        'tls-required',
        'soft',
      ],
      ['rcpt', '550 5.7.1 XGEMAIL_0007 Command rejected', 'system-error', 'soft'],
      ['rcpt', '550 5.7.1 XGEMAIL_0008 Command rejected', 'policy', 'soft'],
      ['rcpt', '550 5.7.1 XGEMAIL_0009 Command rejected', 'policy', 'soft'],
      ['rcpt', '550 5.7.1 XGEMAIL_0010 Command rejected', 'relay-denied', 'soft'],
      ['data', '552 5.3.4 XGEMAIL_0012 Command rejected', 'message-too-large', 'soft'],
      ['rcpt', '452 4.5.3 XGEMAIL_0013 Command rejected', 'rate-limited', 'soft'],
      ['rcpt', '450 4.7.1 XGEMAIL_0014 Command rejected', 'rate-limited', 'soft'],
      ['rcpt', '450 4.7.1 XGEMAIL_0015 Command rejected', 'rate-limited', 'soft'],
      ['rcpt', '550-XM-RJCT01: Account <jane@xmission.example> does not exist.\n550 [192.0.2.1] [mx01.mta.xmission.example]', 'mailbox-unknown', 'hard'],
      ['connect', '550-XM-RJCT04: IP address 192.0.2.1 listed in SBL\n550 [192.0.2.1] [mx01.mta.xmission.example]', 'reputation-or-blocklist', 'soft'],
    ],
  },
  {
    provider: 'Chinese providers: NetEase (163/126) codes, Coremail, and hosts catalogued as "recipient does not exist"',
    sources: [
      'https://biecuoliao.com/pa/MBRrwEM.html',
      'https://blog.sina.com.cn/s/blog_8dc13ec50101fxxr.html',
      'https://www.icoremail.vip/support/index.php?cate_id=84',
      'https://www.dbmailserver.com/tui-xin-address-not-exist.htm',
    ],
    rows: [
      // NetEase puts a code after the reply code; the catalogue gives each code's meaning.
      ['connect', '421 HL:ICC 163 mx12,ZsCowAC1AAAAAAAA.1 http://mail.163.com/help/help_spam_16.htm?ip=192.0.2.1', 'rate-limited', 'soft'],
      ['connect', '421 HL:IFC 163 mx12,ZsCowAC1AAAAAAAA.1 http://mail.163.com/help/help_spam_16.htm?ip=192.0.2.1', 'rate-limited', 'soft'],
      ['connect', '421 HL:REP 163 mx12,ZsCowAC1AAAAAAAA.1 http://mail.163.com/help/help_spam_16.htm?ip=192.0.2.1', 'reputation-or-blocklist', 'soft'],
      ['connect', '421 HL:MEP 163 mx12,ZsCowAC1AAAAAAAA.1 http://mail.163.com/help/help_spam_16.htm?ip=192.0.2.1', 'reputation-or-blocklist', 'soft'],
      ['mail', '450 MI:DMC 163 mx12,ZsCowAC1AAAAAAAA.1 http://mail.163.com/help/help_spam_16.htm?ip=192.0.2.1', 'rate-limited', 'soft'],
      ['rcpt', '450 RP:DRC 163 mx12,ZsCowAC1AAAAAAAA.1 http://mail.163.com/help/help_spam_16.htm?ip=192.0.2.1', 'rate-limited', 'soft'],
      ['connect', '450 DT:RBL 163 mx12,ZsCowAC1AAAAAAAA.1 http://mail.163.com/help/help_spam_16.htm?ip=192.0.2.1', 'reputation-or-blocklist', 'soft'],
      ['mail', '450 WM:BLI 163 mx12,ZsCowAC1AAAAAAAA.1 http://mail.163.com/help/help_spam_16.htm?ip=192.0.2.1', 'policy', 'soft'],
      ['data', '451 DT:SPM ,please try again 163 mx12,ZsCowAC1AAAAAAAA.1 http://mail.163.com/help/help_spam_16.htm?ip=192.0.2.1', 'content-or-spam', 'soft'],
      ['mail', '451 MI:SFQ 163 mx12,ZsCowAC1AAAAAAAA.1 http://mail.163.com/help/help_spam_16.htm?ip=192.0.2.1', 'rate-limited', 'soft'],
      ['data', '554 DT:SPM 163 smtp7,C8CowAD1AAAAAAAA.1 http://mail.163.com/help/help_spam_16.htm?ip=192.0.2.1', 'content-or-spam', 'soft'],
      // Coremail's server (its own catalogue, glossed in Chinese).
      ['rcpt', '550 mailbox unavailable.', 'mailbox-unknown', 'hard'],
      ['rcpt', '550 user is locked.', 'mailbox-disabled', 'soft'],
      ['connect', '550 black ip.', 'reputation-or-blocklist', 'soft'],
      ['data', '552 message rejected by anti-spam engine.', 'content-or-spam', 'soft'],
      ['data', '552 Virus found.', 'virus', 'soft'],
      ['data', '552 message is too long.', 'message-too-large', 'soft'],
      ['data', '554 attachment is too long.', 'message-too-large', 'soft'],
      ['rcpt', '553 host denies relay.', 'relay-denied', 'soft'],
      ['connect', '554 rbl deny.', 'reputation-or-blocklist', 'soft'],
      ['rcpt', '451 out of allow RCPT numbers.', 'rate-limited', 'soft'],
      ['rcpt', '450 mailbox unavailable.', 'server-busy', 'soft'],
      ['rcpt', '550 User not found: jane@163.example', 'mailbox-unknown', 'hard'],
      ['rcpt', '550 User suspended', 'mailbox-disabled', 'soft'],
      // Hosts' replies catalogued as "the recipient does not exist".
      ['rcpt', '550 RC:LD The email account that you tried to reach does no exists.', 'mailbox-unknown', 'hard'],
      ['rcpt', '550 RC:NE The email account does not exist.', 'mailbox-unknown', 'hard'],
      ['rcpt', '551 5.1.1 recipient is not exist', 'mailbox-unknown', 'hard'],
      ['rcpt', '550 jane:user not exist', 'mailbox-unknown', 'hard'],
      ['rcpt', '550 Local User [jane@example.com] not found.', 'mailbox-unknown', 'hard'],
      ['rcpt', '550 #2175041 unavailable mail user', 'mailbox-unknown', 'hard'],
      ['rcpt', '550 no such user here (umail mta)', 'mailbox-unknown', 'hard'],
      ['rcpt', '550 5.1.1 Bad destination mailbox address', 'mailbox-unknown', 'hard'],
    ],
  },
  {
    provider: 'T-Online, Mail.ru, Korean hosts (Naver, Hanafos) and German hosts',
    sources: [
      'https://postmaster.t-online.de/index.en.html',
      'https://timmehosting.de/leitfaden-wenn-t-online-e-mails-blockiert-ursachen-und-loesungen',
      'https://help.creoline.com/de/doc/t-online-554-dialuptransient-ip-not-allowed-zVwMz4z866',
      'https://help.ishosting.com/en/dmarc-check',
      'https://mailout.ru/2015/09',
      'https://oliveit.tistory.com/39',
      'http://adminplay.com/index.php?document_srl=2077&mid=Mail',
      'https://www.bytecamp.net/de/faq/email/zustellen.html',
      'https://goneo.de/hilfe/email/fehlermeldungen',
    ],
    rows: [
      [
        'connect',
        '554 IP=192.0.2.1 - None/bad reputation. Ask your postmaster for help or to contact postmaster@rx.t-online.de for reset. (NOWL)',
        'reputation-or-blocklist',
        'soft',
      ],
      [
        'connect',
        '554 IP=192.0.2.1 - Dialup/transient IP not allowed. Use a mailgateway or contact toda@rx.t-online.de if obsolete. (DIAL)',
        'reputation-or-blocklist',
        'soft',
      ],
      [
        'data',
        '550 5.7.1 This message was not accepted due to domain (mail.ru) owner DMARC policy (RFC 7489) https://help.mail.ru/mail-help/postmaster/dmarc',
        'authentication-policy',
        'soft',
      ],
      ['mail', '550 message sending for this account is disabled', 'policy', 'soft'],
      ['rcpt', '552 User quota exceeded', 'mailbox-full', 'soft'],
      ['rcpt', '550 5.1.1 RUSR 192.0.2.1: No such user: <jane@example.kr>', 'mailbox-unknown', 'hard'],
      // "Network is busy" under 4.4.1 ("no answer from host"): busy or a connection failure, both for now.
      ['connect', '421 4.4.1 CHIC 192.0.2.1: Network is busy.', ['server-busy', 'connection-failure'], 'soft'],
      // Naver's spam centre blocked the IP for now.
      ['connect', '421 4.4.5 CCRT 192.0.2.1: Connection refused. Server is busy(RT)', ['reputation-or-blocklist', 'server-busy'], 'soft'],
      [
        'connect',
        '421 4.3.2 Your IP(192.0.2.1) is filtered and this connection will be closed. You must register your IP to spammaster@example.com',
        'reputation-or-blocklist',
        'soft',
      ],
      ['connect', '451 4.4.0 DNS resolving error', 'dns-failure', 'soft'],
      ['data', '451 4.4.2 Bad connection (io timeout)', 'connection-failure', 'soft'],
      ['data', '452 4.4.5 Insufficient disk space; try again later', 'server-busy', 'soft'],
      ['connect', '450 4.7.1 Client host rejected: cannot find your reverse hostname, [192.0.2.1]', 'authentication-policy', 'soft'],
      ['rcpt', '450 4.2.0 <jane@example.de>: Recipient address rejected: Greylisted', 'greylisted', 'soft'],
      ['rcpt', '422 4.2.2 Quota limit exceeded (Speicherplatz des Kontos ueberschritten)', 'mailbox-full', 'soft'],
      ['data', '571 5.7.1 message classified as spam (Nachricht als Spam eingestuft)', 'content-or-spam', 'soft'],
      ['mail', '553 <bob@example.com>: Sender address rejected: not owned by user jane@example.de', 'policy', 'soft'],
    ],
  },
  {
    provider: "AOL's, BellSouth/AT&T's and Orange's documented codes",
    sources: [
      'http://postmaster.info.aol.com/errors/',
      'http://postmaster-us.info.aol.com/errors/554rlyb1.html',
      'http://community.hostcheetah.com/topic/267/aol-postmaster/',
      'http://worldnet.att.net/general-info/bls_info/block_enduser.html',
      'https://postmaster.orange.fr',
      'https://bentonow.com/smtp-errors/orange',
      'https://www.suped.com/knowledge/email-deliverability/troubleshooting/why-are-emails-delayed-to-orangefr-and-wanadoo-and-how-to-resolve-ofr_999-errors',
    ],
    rows: [
      ['connect', '554- (RTR:DU) http://postmaster.info.aol.com/errors/554rtrdu.html', 'reputation-or-blocklist', 'soft'],
      ['connect', '554 RLY:B1 http://postmaster.info.aol.com/errors/554rlyb1.html', 'reputation-or-blocklist', 'soft'],
      ['connect', '554- (RTR:BB) http://postmaster.info.aol.com/errors/554rtrbb.html', 'reputation-or-blocklist', 'soft'],
      ['connect', '554- (RTR:CH) http://postmaster.info.aol.com/errors/554rtrch.html', 'reputation-or-blocklist', 'soft'],
      ['connect', '554- (RTR:RD) http://postmaster.info.aol.com/errors/554rtrrd.html', 'reputation-or-blocklist', 'soft'],
      ['connect', '421 DYN:T1 http://postmaster.info.aol.com/errors/421dynt1.html', 'rate-limited', 'soft'],
      ['connect', '521 <192.0.2.1> is blocked', 'reputation-or-blocklist', 'soft'],
      ['rcpt', '550 [suspend] Mailbox currently suspended--Please contact correspondent directly.', 'mailbox-disabled', 'soft'],
      ['mail', '550 [permfail] bellsouth.net requires valid sender domain', 'policy', 'soft'],
      ['connect', '550 unauthorized interface for <192.0.2.1>', 'reputation-or-blocklist', 'soft'],
      ['connect', '550 <192.0.2.1> blocked by ldap:ou=rblmx,dc=bellsouth,dc=net', 'reputation-or-blocklist', 'soft'],
      ['connect', '450 busy--Please try again later', 'server-busy', 'soft'],
      [
        'connect',
        '421 mwinf5c10 ME Trop de connexions, veuillez verifier votre configuration. Too many connections, slow down. OFR004_104 [104]',
        'rate-limited',
        'soft',
      ],
      [
        'connect',
        '421 mwinf5c10 ME Service refuse. Veuillez essayer plus tard. Service refused, please try later. OFR004_105 [105]',
        ['reputation-or-blocklist', 'rate-limited'],
        'soft',
      ],
      [
        'connect',
        '421 mwinf5c10 ME Service refuse. Veuillez essayer plus tard. Service refused, please try later. OFR_999 [999]',
        'reputation-or-blocklist',
        'soft',
      ],
    ],
  },
  {
    provider: "Postfix's address verification (relays that check recipients downstream) and GMX's policy refusal",
    sources: [
      'https://www.postfix.org/ADDRESS_VERIFICATION_README.html',
      'https://www.postfix.org/postconf.5.html#unverified_recipient_defer_code',
      'https://postmaster.gmx.com/en/error-messages',
    ],
    rows: [
      // The probe has not concluded: the address is not known to be bad.
      ['rcpt', '450 4.1.1 <kim@example.com>: Recipient address rejected: unverified address: Address verification in progress', 'system-error', 'soft'],
      ['rcpt', '450 4.1.1 <kim@example.com>: Recipient address rejected: unverified address: Recipient address lookup failed', 'system-error', 'soft'],
      // The probe bounced: the address is bad (the reject code is 450 by default, the words and X.1.1 say why).
      [
        'rcpt',
        '450 4.1.1 <kim@example.com>: Recipient address rejected: undeliverable address: host mx.example.com[192.0.2.1] said: 550 5.1.1 <kim@example.com>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)',
        'mailbox-unknown',
        'hard',
      ],
      ['data', '554-Transaction failed Reject due to policy restrictions. For explanation visit https://postmaster.gmx.net/en/case?c=r0701', 'policy', 'soft'],
    ],
  },
];

/** The status a bounce would put in its Status field: the reply's own, or the generic one of its class. */
function reportedStatus(code: number | null, enhanced: string | null): string {
  return enhanced ?? `${code !== null && code >= 400 && code < 500 ? 4 : 5}.0.0`;
}

interface Miss {
  how: string;
  reply: string;
  want: string;
  got: string;
}

function probe(row: Row): Miss[] {
  const [phase, reply, want, verdict] = row;
  const wanted: readonly Category[] = typeof want === 'string' ? [want] : want;
  const { code, enhanced, text } = splitReply(reply);
  const generic = `${code !== null && code >= 400 && code < 500 ? 4 : 5}.0.0`;
  const ways: [string, ReturnType<typeof classify>][] = [
    [`live at ${phase}`, classify({ phase, code, enhanced, text })],
    ['in a bounce', classify({ phase: 'dsn', code: null, enhanced: reportedStatus(code, enhanced), text: reply })],
    [`in a bounce with ${generic}`, classify({ phase: 'dsn', code: null, enhanced: generic, text: reply })],
  ];
  const misses: Miss[] = [];
  for (const [how, c] of ways) {
    if (!wanted.includes(c.category) || c.hard !== (verdict === 'hard')) {
      misses.push({ how, reply, want: `${wanted.join('|')} ${verdict}`, got: `${c.category} ${c.hard ? 'hard' : 'soft'} (${c.rule})` });
    }
  }
  return misses;
}

for (const group of GROUPS) {
  test(`${group.provider}: documented replies read as documented (${group.rows.length} replies)`, () => {
    const misses = group.rows.flatMap(probe);
    assert.ok(
      misses.length === 0,
      `${misses.length} misreadings:\n${misses.map((m) => `  [${m.how}] ${m.reply.slice(0, 110)}\n      want ${m.want}, got ${m.got}`).join('\n')}`,
    );
  });
}

test('every row names an existing category and a verdict that fits it', () => {
  let n = 0;
  for (const group of GROUPS) {
    assert.ok(group.sources.length > 0, `${group.provider}: no source`);
    for (const [, reply, want, verdict] of group.rows) {
      n++;
      const hardCats = new Set<Category>(['mailbox-unknown', 'domain-unknown', 'no-mail-service', 'mailbox-moved']);
      for (const w of typeof want === 'string' ? [want] : want) {
        assert.equal(hardCats.has(w), verdict === 'hard', `${reply}: ${w} is ${hardCats.has(w) ? 'hard' : 'soft'}, row says ${verdict}`);
      }
    }
  }
  assert.ok(n >= 150, `only ${n} replies probed`);
});
