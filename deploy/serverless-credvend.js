/**
 * serverless plugin (listed in serverless.yml): refuses deploy parameters that would break the
 * service before anything is packaged, and hardens the compiled template (deploy/harden-template.js).
 */
import { checkDeployParams, secretValueParams } from './deploy-params.js';
import {
  applySuppressions,
  confineToOrganization,
  deployGradually,
  encryptLogGroups,
  retainEvidence,
  roleNameProblems,
  secretNamesToArns,
  throttleRoutes,
  traceFunctions,
  watchDigests,
  watchFunctions,
  watchTables,
} from './harden-template.js';

export default class CredvendDeployPlugin {
  /** @param {any} serverless */
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {
      'before:package:initialize': () => this.checkParams(),
      'after:aws:package:finalize:mergeCustomProviderResources': () => this.harden(),
    };
  }

  checkParams() {
    const { service } = this.serverless;
    const { problems: paramProblems, checked } = checkDeployParams(service.custom.deployParams);
    const cliParams = this.serverless.processedInput?.options?.param ?? [];
    const problems = [...secretValueParams([cliParams].flat()), ...paramProblems];
    if (problems.length > 0) {
      throw new this.serverless.classes.Error(`Invalid deploy parameters: ${problems.join('; ')}`);
    }
    this.checked = checked;
    // An auth method that is off has no setting at all: src/config.ts reads a present value as "on".
    const environment = service.provider.environment;
    if (!checked.authMethods.includes('oidc')) {
      delete environment.CREDVEND_OIDC_ISSUER;
      delete environment.CREDVEND_OIDC_ISSUERS;
    }
    if (!checked.authMethods.includes('aws')) delete environment.CREDVEND_SERVER_ID;
  }

  harden() {
    const { service } = this.serverless;
    const template = service.provider.compiledCloudFormationTemplate;
    const { logsKey, alarms, controlExceptions, deployment } = service.custom.hardening;
    const checked = this.checked ?? checkDeployParams(service.custom.deployParams).checked;
    const names = roleNameProblems(template, this.serverless.getProvider('aws').getRegion());
    if (names.length > 0) throw new this.serverless.classes.Error(`Invalid role names: ${names.join('; ')}`);
    encryptLogGroups(template, logsKey);
    throttleRoutes(template, checked.throttle);
    watchFunctions(template, alarms);
    watchTables(template, alarms);
    watchDigests(template, alarms);
    traceFunctions(template);
    deployGradually(template, deployment);
    applySuppressions(template, controlExceptions);
    confineToOrganization(template, checked.organization);
    secretNamesToArns(template);
    retainEvidence(template);
  }
}
