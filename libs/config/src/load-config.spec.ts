import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { ConfigValidationError, EnvBoolean, loadConfig } from './load-config';
import { AtMost } from './config.rules';

class ExampleConfig {
  @IsString()
  NAME: string = 'default-name';

  @IsInt()
  @Min(1)
  @Max(10)
  LIMIT: number = 5;

  @IsOptional()
  @IsString()
  OPTIONAL?: string;

  @EnvBoolean()
  ENABLED: boolean = true;
}

describe('loadConfig', () => {
  it('should use the class defaults when variables are absent', () => {
    const config = loadConfig(ExampleConfig, {});
    expect(config).toEqual(expect.objectContaining({ NAME: 'default-name', LIMIT: 5 }));
  });

  it('should convert numeric variables from their string form', () => {
    expect(loadConfig(ExampleConfig, { LIMIT: '7' }).LIMIT).toBe(7);
  });

  it('should treat an empty variable as absent', () => {
    expect(loadConfig(ExampleConfig, { LIMIT: '' }).LIMIT).toBe(5);
  });

  it('should fail with a message naming the variable and the rule', () => {
    expect(() => loadConfig(ExampleConfig, { LIMIT: '50' })).toThrow(ConfigValidationError);
    expect(() => loadConfig(ExampleConfig, { LIMIT: '50' })).toThrow(/LIMIT: LIMIT must not be greater than 10 \(got 50\)/);
  });

  it('should ignore unrelated environment variables', () => {
    expect(loadConfig(ExampleConfig, { PATH: '/usr/bin' })).not.toHaveProperty('PATH');
  });

  it('should read boolean words, so "false" turns a switch off', () => {
    expect(loadConfig(ExampleConfig, {}).ENABLED).toBe(true);
    expect(loadConfig(ExampleConfig, { ENABLED: 'false' }).ENABLED).toBe(false);
    expect(loadConfig(ExampleConfig, { ENABLED: '0' }).ENABLED).toBe(false);
    expect(loadConfig(ExampleConfig, { ENABLED: 'yes' }).ENABLED).toBe(true);
    expect(() => loadConfig(ExampleConfig, { ENABLED: 'maybe' })).toThrow(/ENABLED/);
  });
});

class Limits {
  @IsInt()
  TOTAL: number = 4;

  @IsInt()
  @AtMost('TOTAL')
  PER_TENANT: number = 2;
}

describe('AtMost', () => {
  it('should refuse a limit above the one it is part of, naming both variables', () => {
    expect(() => loadConfig(Limits, { PER_TENANT: '5' })).toThrow('PER_TENANT: PER_TENANT must not exceed TOTAL (got 5)');
  });

  it('should accept it up to that limit, whichever of the two is set', () => {
    expect(loadConfig(Limits, { TOTAL: '8', PER_TENANT: '8' })).toMatchObject({ TOTAL: 8, PER_TENANT: 8 });
  });
});
