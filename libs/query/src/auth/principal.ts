export type Role = 'owner' | 'admin' | 'member' | 'security';

/** Who is asking, as proven by the verified token; never from query parameters. */
export interface Principal {
  subject: string;
  email?: string;
  organizationId: string;
  role: Role;
}
