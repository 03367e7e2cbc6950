// A message's content, rendered from Markdown (web/state/markdown.ts) and sanitized again by
// DOMPurify with a strict allow-list: if a rule there ever let markup through, it stops here.
import DOMPurify from "dompurify";
import { ContentRenderer, type Directory } from "../state/markdown.ts";

/** Exactly what the Markdown rules make, and nothing that runs, loads or submits. */
export const sanitizeOptions = {
  ALLOWED_TAGS: [
    "p",
    "br",
    "strong",
    "em",
    "s",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "span",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
  ],
  ALLOWED_ATTR: ["href", "target", "rel", "class", "start", "data-user-id"],
  // Attributes DOMPurify would otherwise check as URLs (and so drop): their values are ours.
  ADD_URI_SAFE_ATTR: ["target", "rel", "start", "data-user-id"],
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
  // Web links, mail, and the app's own chat URLs (`<#N>`); no javascript:, data: or others.
  ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|\/chat\/[1-9][0-9]*$)/i,
};

export function sanitize(html: string): string {
  return DOMPurify.sanitize(html, sanitizeOptions);
}

const renderer = new ContentRenderer(sanitize);

export function RichText({ content, directory }: { content: string; directory: Directory }) {
  // The HTML comes from markdown-it with raw HTML off, then DOMPurify: never from content as is.
  return (
    <div class="text" dangerouslySetInnerHTML={{ __html: renderer.html(content, directory) }} />
  );
}
