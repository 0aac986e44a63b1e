import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';

/** The operations listener (`/metrics`, `/health/*`), apart from the public one. */
export class OpsConfig {
  /** Its port; 0: any free port. Unset: the app's own default (ingestor 3001, query API and all-in-one 3002, stream delivery 3003). */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(65535)
  OPS_PORT?: number;

  /** The interface it binds: loopback by default; in a deployment, one only the monitoring network reaches. */
  @IsString()
  OPS_HOST: string = '127.0.0.1';
}
