import { describe, expect, it } from 'vitest';
import { consoleDestination, withDestination } from '../../src/cli/console-destination.js';

describe('console --service, --region, --destination', () => {
  it('maps a service and region to the console page in that region', () => {
    expect(consoleDestination({ service: 'ec2', region: 'eu-west-1' })).toBe(
      'https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1',
    );
    expect(consoleDestination({ service: 'logs', region: 'us-east-2' })).toBe(
      'https://us-east-2.console.aws.amazon.com/cloudwatch/home?region=us-east-2#logsV2:',
    );
    expect(consoleDestination({ service: 'glue' })).toBe('https://console.aws.amazon.com/glue/home');
    expect(consoleDestination({ region: 'ap-south-1' })).toBe(
      'https://ap-south-1.console.aws.amazon.com/console/home?region=ap-south-1',
    );
    expect(consoleDestination({})).toBeUndefined();
  });

  it('takes a console path or console URL as the destination', () => {
    expect(consoleDestination({ destination: '/s3/buckets/logs?region=us-east-1' })).toBe(
      'https://console.aws.amazon.com/s3/buckets/logs?region=us-east-1',
    );
    expect(consoleDestination({ destination: '/lambda/home', region: 'eu-west-1' })).toBe(
      'https://eu-west-1.console.aws.amazon.com/lambda/home',
    );
    expect(consoleDestination({ destination: 'https://us-west-2.console.aws.amazon.com/ec2/home' })).toBe(
      'https://us-west-2.console.aws.amazon.com/ec2/home',
    );
  });

  it('refuses any destination off the AWS console, stating the rule', () => {
    for (const destination of [
      'https://evil.example.com/',
      '//evil.example.com/x',
      '/\\evil.example.com/x',
      'http://console.aws.amazon.com/',
      'https://console.aws.amazon.com.evil.example.com/',
      'https://evil.console.aws.amazon.com/',
      'https://user@console.aws.amazon.com/',
      'https://console.aws.amazon.com:8443/',
      'javascript:alert(1)',
    ])
      expect(() => consoleDestination({ destination }), destination).toThrow(
        /^--destination must be a path on the AWS console or an https:\/\/console\.aws\.amazon\.com URL/,
      );
  });

  it('refuses a bad region or service, and both --service and --destination', () => {
    expect(() => consoleDestination({ region: 'eu-west-1/../x' })).toThrow(/--region must be a region name/);
    expect(() => consoleDestination({ service: '../iam' })).toThrow(/--service is a console service/);
    expect(() => consoleDestination({ service: 's3', destination: '/s3' })).toThrow(/not both/);
  });

  it('replaces only the Destination of a sign-in URL', () => {
    const url =
      'https://signin.aws.amazon.com/federation?Action=login&Issuer=x&Destination=https%3A%2F%2Fconsole.aws.amazon.com%2F&SigninToken=t';
    const replaced = new URL(withDestination(url, 'https://console.aws.amazon.com/s3/home'));
    expect(replaced.searchParams.get('Destination')).toBe('https://console.aws.amazon.com/s3/home');
    expect(replaced.searchParams.get('SigninToken')).toBe('t');
    expect(replaced.searchParams.get('Issuer')).toBe('x');
    expect(withDestination(url, undefined)).toBe(url);
  });
});
