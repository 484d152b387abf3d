# An image (any VM or template) is imported by instance UUID, inventory path
# or unique name. The first plan after an import records source and the
# other arguments from the configuration without deploying anything again.
terraform import ceso_image.ubuntu 4213c6a5-3f0c-4b39-a7f1-2f9c3c1c5e11
terraform import ceso_image.ubuntu /ha-datacenter/vm/ubuntu-24.04-template
terraform import ceso_image.ubuntu ubuntu-24.04-template
