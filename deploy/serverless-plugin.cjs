/**
 * A local serverless plugin: once serverless has compiled the function and its API, it hands the
 * template to deploy/shape.ts (TypeScript, loaded with tsx as osls loads a serverless.ts), which
 * adds the API stage, the REST gateway responses, the alarms, the saved queries and the
 * dashboard. CommonJS because osls `require`s plugins.
 */
'use strict';

class KmsNormalizerStack {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {
      'after:package:compileEvents': () => this.shape(),
    };
  }

  shape() {
    const { require: requireTs } = require('tsx/cjs/api');
    const { readSettings, shapeTemplate } = requireTs('./shape.ts', __filename);
    const service = this.serverless.service;
    const provider = this.serverless.getProvider('aws');
    let settings;
    try {
      settings = readSettings(service.custom?.kms, {
        service: service.service,
        stage: provider.getStage(),
        logRetentionDays: service.provider.logRetentionInDays,
      });
    } catch (error) {
      throw new this.serverless.classes.Error(error.message);
    }
    shapeTemplate(service.provider.compiledCloudFormationTemplate, settings);
  }
}

module.exports = KmsNormalizerStack;
