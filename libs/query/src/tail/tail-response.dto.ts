import { ApiProperty } from '@nestjs/swagger';
import { AuditEventView } from '../audit-logs/audit-logs-response.dto';

export class TailEventView extends AuditEventView {
  @ApiProperty({ description: "The event's place in its organization's hash chain (1, 2, 3…): a receiver can check it has every one." })
  chainSeq!: number;
}

export class TailPageView {
  @ApiProperty({ type: [TailEventView], description: 'In order of arrival, oldest first.' }) data!: TailEventView[];
  @ApiProperty({ description: 'The cursor of the next poll (`after`); the cursor that was sent when nothing new was stored.' }) next!: string;
  @ApiProperty({ description: 'More events may be stored beyond `next` already: poll again without pausing.' }) hasMore!: boolean;
}
