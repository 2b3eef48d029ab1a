"""The e-mail gateway (SPEC §8, issue 13): complaints arriving by mail, through an MTA pipe
(``tousu mail-in``) or an IMAP mailbox polled by the job worker."""
