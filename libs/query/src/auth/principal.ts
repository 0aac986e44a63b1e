export const ROLES = ['owner', 'admin', 'member', 'security'] as const;
export type Role = (typeof ROLES)[number];

/** Who is asking, as proven by the verified token; never from query parameters. */
export interface Principal {
  subject: string;
  email?: string;
  organizationId: string;
  role: Role;
}
