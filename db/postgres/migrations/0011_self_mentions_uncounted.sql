-- A mention count reads message_mentions alone (issue #24): a sender's mention of themselves
-- never counts, so it has no row.
DELETE FROM message_mentions
 WHERE user_id = (SELECT sender_id FROM messages WHERE messages.id = message_mentions.message_id);
