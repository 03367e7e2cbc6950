// Icons drawn inline: no icon font, no emoji font (which many machines lack), nothing fetched.
const common = {
  width: 16,
  height: 16,
  viewBox: "0 0 24 24",
  "aria-hidden": true as const,
  fill: "none",
  stroke: "currentColor",
  "stroke-width": 2,
};

export const LockIcon = () => (
  <svg {...common} class="icon" aria-hidden="true">
    <rect x="5" y="11" width="14" height="10" rx="2" />
    <path d="M8 11V7a4 4 0 0 1 8 0v4" />
  </svg>
);

export const PaperclipIcon = () => (
  <svg {...common} width={20} height={20} class="icon" aria-hidden="true">
    <path d="M21 12.5 12.5 21a6 6 0 0 1-8.5-8.5l9-9a4 4 0 0 1 5.7 5.7l-9 9a2 2 0 0 1-2.8-2.8l8.3-8.3" />
  </svg>
);
