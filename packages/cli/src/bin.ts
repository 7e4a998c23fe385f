console.log('raunet: not yet');
