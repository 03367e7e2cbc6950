// The contract's notations that mention everyone, read alike when a message is sent and when its
// pushes are decided from its event later (notifications/notifier.ts).

/** Whether `<!channel>` or `<!here>` anywhere in content (code included) mentions every member. */
export const mentionsEveryone = (content: string): boolean =>
  content.includes("<!") && /<!(channel|here)>/.test(content);
