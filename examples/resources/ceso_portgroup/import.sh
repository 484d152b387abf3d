# A port group is imported as <host>/<name>, or by its name on a single host.
terraform import ceso_portgroup.web esx01.example.com/web-vlan42
terraform import ceso_portgroup.web web-vlan42
