/**
 * Each resource type keeps one color everywhere (filter, table, details). Text on tint pairs all
 * exceed WCAG AA 4.5:1. Well-known types have a fixed hue; others get one by a stable hash.
 */
const PALETTE = ['blue', 'violet', 'teal', 'amber', 'rose', 'green', 'slate', 'orange'] as const;
export type BadgeColor = (typeof PALETTE)[number];

const KNOWN: Record<string, BadgeColor> = {
  Organization: 'blue',
  Member: 'violet',
  Session: 'teal',
  Patient: 'rose',
  AuditLog: 'slate',
  ApiKey: 'amber',
  Invoice: 'green',
};

export function badgeColor(resourceType: string): BadgeColor {
  const known = KNOWN[resourceType];
  if (known) return known;
  let hash = 0;
  for (const char of resourceType) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return PALETTE[hash % PALETTE.length];
}
