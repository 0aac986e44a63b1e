import { Audited } from '@audit/producer';
import { Body, Controller, Param, Patch, Post } from '@nestjs/common';
import { MembersService, type Member } from './members.service';

/**
 * Every state change is audited with one decorator: the interceptor records `success` with the
 * resource id, or `failure` with the error as reason, after the handler ran, without delaying it.
 */
@Controller('members')
export class MembersController {
  constructor(private readonly members: MembersService) {}

  @Post()
  @Audited({ action: 'invite', resourceType: 'Member', resourceId: 'result.id', resourceName: 'body.email' })
  invite(@Body() body: { email: string }): Member {
    return this.members.invite(body.email);
  }

  @Patch(':id/role')
  @Audited({ action: 'role.change', resourceType: 'Member', resourceId: 'params.id' })
  changeRole(@Param('id') id: string, @Body() body: { role: Member['role'] }): Member {
    return this.members.changeRole(id, body.role);
  }
}
