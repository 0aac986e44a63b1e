import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';

export interface Member {
  id: string;
  email: string;
  role: 'member' | 'admin' | 'owner';
}

/** The example's business logic: members of one organization, in memory. */
@Injectable()
export class MembersService {
  private readonly members = new Map<string, Member>();

  invite(email: string): Member {
    if ([...this.members.values()].some((member) => member.email === email)) throw new ConflictException(`${email} is already a member`);
    const member: Member = { id: `member_${randomUUID().slice(0, 8)}`, email, role: 'member' };
    this.members.set(member.id, member);
    return member;
  }

  changeRole(id: string, role: Member['role']): Member {
    const member = this.members.get(id);
    if (!member) throw new NotFoundException(`no member ${id}`);
    member.role = role;
    return member;
  }
}
